/**
 * Metadata keys @nestjs/cqrs writes with its decorators. Its package index does not export them
 * (they live in its `decorators/constants`); they have been stable across major versions, and
 * cqrs-metadata.spec.ts fails if a new version changes them.
 */
export const CQRS_EVENTS_HANDLER_METADATA = '__eventsHandler__';
export const CQRS_SAGA_METADATA = '__saga__';
export const CQRS_EVENT_METADATA = '__event__';
export const CQRS_COMMAND_HANDLER_METADATA = '__commandHandler__';
export const CQRS_QUERY_HANDLER_METADATA = '__queryHandler__';

export const EVENTS_CQRS_OPTIONS = Symbol('nestjs-amqp-events:cqrs-options');

export interface EventsCqrsOptions {
  /**
   * Subscribe this service's `@EventsHandler` classes of integration events, its sagas and the
   * remote commands/queries it owns. false = publish and call only. @default true
   */
  consume?: boolean;
}
