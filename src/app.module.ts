import 'reflect-metadata';
import { Module, type DynamicModule } from '@nestjs/common';
import { EventsModule } from 'nestjs-amqp-events';
import { AuditHandlers } from './audit/audit.handlers.js';
import { BillingHandlers } from './billing/billing.handlers.js';
import { EmailHandlers } from './email/email.handlers.js';
import { EventFlowRecorder } from './flow/event-flow.recorder.js';
import { InventoryHandlers } from './inventory/inventory.handlers.js';
import { OrderService } from './orders/order.service.js';

export interface AppConfig {
  uri: string;
  /** 'memory': the whole app runs in-process, no broker (local development, the demo without RabbitMQ). */
  transport?: 'amqp' | 'memory';
  /** Topic exchange; the demo uses a fresh one per run. */
  exchange: string;
  /** Names the handler queues: `{service}.{Class}.{method}`. */
  service: string;
  recorder: EventFlowRecorder;
}

/** The orders app: one module, the events module configured once, handlers as plain providers. */
@Module({})
export class AppModule {
  static register(config: AppConfig): DynamicModule {
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
        }),
      ],
      providers: [
        { provide: EventFlowRecorder, useValue: config.recorder },
        OrderService,
        InventoryHandlers,
        BillingHandlers,
        EmailHandlers,
        AuditHandlers,
      ],
    };
  }
}
