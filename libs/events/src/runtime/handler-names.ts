import { SERVICE_PLACEHOLDER } from '../constants.js';

/**
 * How every handler queue of a service is named, in one place. The broker-side names derived from
 * an exchange or a queue (DLQ, retry, delay) are in `topology/topology-names.ts`.
 */
export const handlerNames = {
  /** `@OnEvent` on a method: `{service}.{Class}.{method}`; on a class: `{service}.{Class}`. */
  onEvent: (service: string, className: string, method?: string) =>
    method ? `${service}.${className}.${method}` : `${service}.${className}`,
  /** A cqrs `@EventsHandler` of integration events. */
  cqrsHandler: (service: string, className: string) => `${service}.${className}`,
  /** The queue feeding received integration events to cqrs sagas. */
  cqrsSagas: (service: string) => `${service}.Sagas`,
  /** Requests (remote commands/queries, `@MessagePattern`) of one type served by `service`. */
  request: (service: string, type: string) => `${service}.rpc.${type}`,
  /** An `@EventPattern(pattern)` of the microservices transport. */
  eventPattern: (service: string, pattern: string) =>
    `${service}.${pattern.replace(/\*/g, 'star').replace(/#/g, 'hash')}`,
  /** A run-time subscription (`EventSubscriber.subscribe`) without a `queue` option. */
  subscription: (service: string, pattern: string) =>
    `${service}.subscription.${pattern.replace(/\*/g, 'star').replace(/#/g, 'hash')}`,
  /** Reply queue of one application instance (waitForDelivery, request/reply). */
  replies: (service: string, instance: string) => `${service}.replies.${instance}`,
  /** The `{service}` placeholder in a pattern or queue option, replaced by the bus's service name. */
  expand: (text: string, service: string) =>
    text.includes(SERVICE_PLACEHOLDER) ? text.split(SERVICE_PLACEHOLDER).join(service) : text,
};

export const QUEUE_NAME_RE = /^[A-Za-z0-9_.:-]{1,200}$/;
