import { Injectable } from '@nestjs/common';
import { OnEvent, type EventContext } from 'nestjs-amqp-events';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';

/**
 * Sees every business event of the demo and the sagas' lifecycle events in its own queue (`*` = one
 * segment, so `Saga.*` matches `Saga.completed` but not the saga module's own `Saga.{service}.step`).
 */
@Injectable()
export class AuditHandlers {
  constructor(private readonly flow: EventFlowRecorder) {}

  @OnEvent(['Order.*', 'Inventory.*', 'Invoice.*', 'Email.*', 'Saga.*'])
  record(_data: unknown, ctx: EventContext): Promise<void> {
    return this.flow.track('AuditHandlers.record', ctx, async () => undefined);
  }
}
