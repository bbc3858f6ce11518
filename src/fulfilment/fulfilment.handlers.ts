import { Injectable } from '@nestjs/common';
import { OnEvent, SagaAlreadyExistsError, type EventContext } from 'nestjs-amqp-events';
import { SagaOrchestrator } from 'nestjs-amqp-events/sagas';
import { EventFlowRecorder } from '../flow/event-flow.recorder.js';
import { totalCents, type OrderCreated } from '../orders/order.events.js';
import { FULFILMENT_SAGA, type Fulfilment } from './fulfilment.saga.js';

/** Card used when an order names none. */
const DEFAULT_CARD = 'tok_visa';

/**
 * Starts one fulfilment saga per new order (queue `{service}.FulfilmentHandlers.start`). The saga id is
 * derived from the order id, so a redelivered `Order.created` finds the saga already started.
 */
@Injectable()
export class FulfilmentHandlers {
  constructor(
    private readonly flow: EventFlowRecorder,
    private readonly sagas: SagaOrchestrator,
  ) {}

  @OnEvent('Order.created')
  start(order: OrderCreated, ctx: EventContext): Promise<void> {
    return this.flow.track('FulfilmentHandlers.start', ctx, async () => {
      const data: Fulfilment = {
        orderId: order.id,
        lines: order.lines,
        amountCents: totalCents(order.lines),
        currency: order.currency,
        paymentToken: order.payment?.token ?? DEFAULT_CARD,
      };
      try {
        await this.sagas.start(FULFILMENT_SAGA, data, { id: `fulfil-${order.id}` });
      } catch (e) {
        if (!(e instanceof SagaAlreadyExistsError)) throw e;
      }
    });
  }
}
