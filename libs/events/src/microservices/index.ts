// Public API of 'nestjs-amqp-events/microservices': a @nestjs/microservices transport and client (requires @nestjs/microservices).
export { EventsTransport } from './events.transport.js';
export { EventsClient } from './events.client.js';
export { EventsRpcContext } from './events-rpc.context.js';
export type {
  EventsTransportOptions,
  EventsClientOptions,
  EventPatternExtras,
  MessagePatternExtras,
} from './events-transport.options.js';
export { EventsExceptionFilter } from './events-exception.filter.js';
export { isPermanentRpcError } from './rpc-error.js';
export { DeliveryTimeoutError, NoRemoteHandlerError, RemoteExecutionError } from '../errors/index.js';
