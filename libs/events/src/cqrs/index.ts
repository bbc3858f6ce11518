// Public API of 'nestjs-amqp-events/cqrs': the @nestjs/cqrs bridge (requires @nestjs/cqrs).
export { EventsCqrsModule } from './events-cqrs.module.js';
export type { EventsCqrsOptions } from './cqrs-metadata.js';
export { IntegrationEvent, type IntegrationEventOptions } from './integration-event.decorator.js';
export { RemoteCommand, RemoteQuery, type RemoteRequestOptions } from './remote-request.decorator.js';
export { RemoteCommandBus, RemoteQueryBus, type RemoteExecuteOptions } from './remote-request.bus.js';
export { runWithPublishOptions, type IntegrationPublishOptions } from './ambient-publish-options.js';
export { CQRS_ORIGIN_HEADER } from './integration-event.publisher.js';
export { DeliveryTimeoutError, NoRemoteHandlerError, RemoteExecutionError } from '../errors/index.js';
