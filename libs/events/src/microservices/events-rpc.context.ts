import { BaseRpcContext } from '@nestjs/microservices';
import type { EventContext } from '../interfaces/event-context.interface.js';

type EventsRpcContextArgs = [envelope: EventContext, pattern: string];

/**
 * The `@Ctx()` of handlers served by EventsTransport (like `RmqContext`): the event envelope (id,
 * type, source, attempt/maxAttempts, correlation and causation ids, headers, `publish()` for
 * follow-ups) and the pattern. Acknowledgement is the transport's job: there is no channel to ack on.
 */
export class EventsRpcContext extends BaseRpcContext<EventsRpcContextArgs> {
  constructor(args: EventsRpcContextArgs) {
    super(args);
  }

  /** The envelope of the message being handled. */
  getEnvelope(): EventContext {
    return this.args[0];
  }

  /** The pattern (event or request type) the handler is registered for. */
  getPattern(): string {
    return this.args[1];
  }

  /** 1-based attempt of this delivery (retries and broker redeliveries count). */
  getAttempt(): number {
    return this.args[0].attempt;
  }
}
