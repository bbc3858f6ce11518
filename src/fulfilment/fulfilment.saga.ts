import type { SagaDefinition, SagaStepContext } from 'nestjs-amqp-events/sagas';
import type { OrderLine } from '../orders/order.events.js';

/** The saga's data: what it needs from the order, and what its steps learned. */
export interface Fulfilment {
  orderId: string;
  lines: OrderLine[];
  amountCents: number;
  currency: string;
  paymentToken: string;
  paymentId?: string;
  shipmentId?: string;
}

/** The work behind the steps (FulfilmentSteps, a Nest provider with its dependencies injected). */
export interface FulfilmentWork {
  reserveStock(d: Fulfilment, ctx: SagaStepContext): Promise<void>;
  releaseStock(d: Fulfilment, ctx: SagaStepContext): Promise<void>;
  charge(d: Fulfilment, ctx: SagaStepContext): Promise<Partial<Fulfilment>>;
  refund(d: Fulfilment, ctx: SagaStepContext): Promise<void>;
  ship(d: Fulfilment, ctx: SagaStepContext): Promise<Partial<Fulfilment>>;
}

export const FULFILMENT_SAGA = 'order-fulfilment';

/**
 * reserve stock → charge payment → create shipment. When a step fails for good, the completed steps are
 * compensated last first: refund (if charged), then release the stock (and cancel the order).
 *
 * SagasModule.forRoot() takes its definitions when the module is built, before Nest creates providers,
 * so the steps call `work` through this holder, bound by FulfilmentSteps when Nest constructs it.
 */
export class FulfilmentSaga {
  private work?: FulfilmentWork;

  bind(work: FulfilmentWork): void {
    this.work = work;
  }

  private use(): FulfilmentWork {
    if (!this.work) throw new Error('FulfilmentSaga: no FulfilmentSteps provider bound');
    return this.work;
  }

  readonly definition: SagaDefinition<Fulfilment> = {
    name: FULFILMENT_SAGA,
    correlate: (d) => d.orderId,
    steps: [
      {
        name: 'reserve-stock',
        execute: (d, ctx) => this.use().reserveStock(d, ctx),
        compensate: (d, ctx) => this.use().releaseStock(d, ctx),
      },
      {
        name: 'charge-payment',
        execute: (d, ctx) => this.use().charge(d, ctx),
        compensate: (d, ctx) => this.use().refund(d, ctx),
      },
      {
        name: 'create-shipment',
        execute: (d, ctx) => this.use().ship(d, ctx),
      },
    ],
  };
}
