// Public API of nestjs-amqp-events/testing: run handlers without a broker.
export { EventsTestingModule, type EventsTestingOptions } from './events-testing.module.js';
export {
  EventsTestHarness,
  type PublishedEvent,
  type HandlerDelivery,
  type DeadLetteredEvent,
} from './events-test.harness.js';
export { MemoryBroker } from '../transport/memory/memory-broker.js';
export { EVENTS_MEMORY_BROKER } from '../transport/memory/memory-broker.token.js';
