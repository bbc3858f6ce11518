import type { EventPublisher } from 'nestjs-amqp-events';

declare module 'nestjs-amqp-events' {
  interface EventMap {
    'TypeSpec.created': { id: string; total: number };
  }
}

// Compile-time checks of EventMap declaration merging, run by `npm run typecheck` (CI). Not a Jest test.
function typeChecks(publisher: EventPublisher): void {
  void publisher.publish('TypeSpec.created', { id: 'a', total: 1 });
  // @ts-expect-error wrong payload shape for a declared event type
  void publisher.publish('TypeSpec.created', { id: 1 });
  void publisher.publish<{ free: boolean }>('Undeclared.event', { free: true });
  void publisher.publish('Undeclared.other', 42);
}

export { typeChecks };
