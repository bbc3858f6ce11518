/** Optional DI token: the MemoryBroker a `transport: 'memory'` bus uses (EventsTestingModule provides a fresh one). */
export const EVENTS_MEMORY_BROKER = Symbol('nestjs-amqp-events:memory-broker');
