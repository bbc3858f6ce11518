import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { EventsModule } from 'nestjs-amqp-events';
import { EventSourcingModule } from 'nestjs-amqp-events/event-sourcing';
import { SagasModule } from 'nestjs-amqp-events/sagas';
import { DataSource } from 'typeorm';
import { AuditHandlers } from './audit/audit.handlers.js';
import { BillingHandlers } from './billing/billing.handlers.js';
import { EmailHandlers } from './email/email.handlers.js';
import { EventFlowRecorder } from './flow/event-flow.recorder.js';
import { SagaTimeline } from './flow/saga-timeline.js';
import { FulfilmentHandlers } from './fulfilment/fulfilment.handlers.js';
import { FulfilmentSaga } from './fulfilment/fulfilment.saga.js';
import { FulfilmentSteps } from './fulfilment/fulfilment.steps.js';
import { Warehouse } from './inventory/warehouse.js';
import { OrderSummaryProjection, OrderSummaryReader } from './orders/order-summary.projection.js';
import { OrderService } from './orders/order.service.js';
import { PaymentGateway } from './payments/payment.gateway.js';
import { ShippingService } from './shipping/shipping.service.js';

export interface AppConfig {
  uri: string;
  /** 'memory': the whole app runs in-process, no broker (local development, the demo without RabbitMQ). */
  transport?: 'amqp' | 'memory';
  /** Topic exchange; the demo uses a fresh one per run. */
  exchange: string;
  /** Names the handler queues: `{service}.{Class}.{method}`, and the saga queue `{service}.sagas`. */
  service: string;
  /** SQLite (better-sqlite3) or Postgres, migrated: outbox, event store, sagas and the order-summary table. */
  dataSource: DataSource;
  recorder: EventFlowRecorder;
  timeline: SagaTimeline;
  warehouse: Warehouse;
  payments: PaymentGateway;
  shipping: ShippingService;
}

/**
 * The orders app: the events module with its outbox on the app's database, the event store (Order
 * aggregates, the order-summary projection) and the fulfilment saga on the same database; handlers as
 * plain providers.
 */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
    const fulfilment = new FulfilmentSaga();
    return {
      module: AppModule,
      imports: [
        EventsModule.forRoot({
          uri: config.uri,
          transport: config.transport ?? 'amqp',
          service: config.service,
          exchange: config.exchange,
          prefetch: 20,
          // module-wide default; EmailHandlers sets its own
          retry: { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 500, maxDelayMs: 10_000 },
          startupTimeoutMs: 10_000,
          shutdownTimeoutMs: 5_000,
          // the outbox: appended events and saga transitions are published after their transaction commits
          persistence: { dataSource: config.dataSource, relayIntervalMs: 50 },
        }),
        // the event store on the same database (EventsModule's persistence DataSource)
        EventSourcingModule.forRoot({ projections: { pollIntervalMs: 200 } }),
        SagasModule.forRoot({
          sagas: [fulfilment.definition],
          retry: { maxAttempts: 3, backoff: 'exponential', initialDelayMs: 200, maxDelayMs: 2_000 },
          leaseMs: 10_000,
        }),
      ],
      providers: [
        { provide: DataSource, useValue: config.dataSource },
        { provide: EventFlowRecorder, useValue: config.recorder },
        { provide: SagaTimeline, useValue: config.timeline },
        { provide: Warehouse, useValue: config.warehouse },
        { provide: PaymentGateway, useValue: config.payments },
        { provide: ShippingService, useValue: config.shipping },
        { provide: FulfilmentSaga, useValue: fulfilment },
        OrderService,
        FulfilmentSteps,
        FulfilmentHandlers,
        BillingHandlers,
        EmailHandlers,
        AuditHandlers,
        OrderSummaryProjection,
        OrderSummaryReader,
      ],
    };
  }
}
