import { Inject } from '@nestjs/common';
import { DEFAULT_BUS } from '../constants.js';
import { DeadLetterService } from '../dead-letter/dead-letter.service.js';
import { EventsHealthIndicator } from '../health/events-health.indicator.js';
import { EventsMetrics } from '../observability/events-metrics.js';
import { EventPublisher } from '../publisher/event-publisher.js';
import { EventsRuntime } from '../runtime/events-runtime.js';
import { EventSubscriber } from '../runtime/event-subscriber.js';

type Token = string | symbol | (abstract new (...args: never[]) => unknown);

function named(kind: string, name: string | undefined, defaultToken: Token): Token {
  return name === undefined || name === DEFAULT_BUS
    ? defaultToken
    : Symbol.for(`nestjs-amqp-events:${kind}:${name}`);
}

/** DI token of a bus's publisher: the `EventPublisher` class for the default bus. */
export const getEventPublisherToken = (name?: string): Token => named('publisher', name, EventPublisher);
/** DI token of a bus's DeadLetterService. */
export const getDeadLetterServiceToken = (name?: string): Token =>
  named('dead-letters', name, DeadLetterService);
/** DI token of a bus's EventsHealthIndicator. */
export const getEventsHealthToken = (name?: string): Token => named('health', name, EventsHealthIndicator);
/** DI token of a bus's EventsMetrics. */
export const getEventsMetricsToken = (name?: string): Token => named('metrics', name, EventsMetrics);
/** DI token of a bus's EventSubscriber (run-time subscriptions). */
export const getEventSubscriberToken = (name?: string): Token => named('subscriber', name, EventSubscriber);
/** DI token of a bus's runtime (integrations, the testing harness). */
export const getEventsRuntimeToken = (name?: string): Token => named('runtime', name, EventsRuntime);

/** Injects the `EventPublisher` of a named bus (`EventsModule.forRoot({ name })`); without a name, the default bus. */
export const InjectEventPublisher = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getEventPublisherToken(name));
/** Injects the `EventSubscriber` of a named bus; without a name, the default bus. */
export const InjectEventSubscriber = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getEventSubscriberToken(name));
/** Injects the `DeadLetterService` of a named bus. */
export const InjectDeadLetterService = (name?: string): PropertyDecorator & ParameterDecorator =>
  Inject(getDeadLetterServiceToken(name));
