import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';

/** Sees every event on the exchange (`#` = zero or more segments) in its own queue. */
@Injectable()
export class AuditHandlers {
  constructor(private readonly flow: EventFlowRecorder) {}

  @OnEvent('#')
  record(_data: unknown, ctx: EventContext): Promise<void> {
    return this.flow.track('AuditHandlers.record', ctx, async () => undefined);
  }
}
