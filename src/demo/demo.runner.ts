import 'reflect-metadata';
import type { INestApplicationContext, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { DeadLetterService, EventsMetrics, maskUri } from 'nestjs-amqp-events';
import { SagaMetrics, SagaOrchestrator } from 'nestjs-amqp-events/sagas';
import { AppModule } from '../app.module.js';
import { EventFlowRecorder, shortId } from '../flow/event-flow.recorder.js';
import { SagaTimeline } from '../flow/saga-timeline.js';
import { FULFILMENT_SAGA } from '../fulfilment/fulfilment.saga.js';
import { Warehouse } from '../inventory/warehouse.js';
import { OrderSummaryReader } from '../orders/order-summary.projection.js';
import { OrderService } from '../orders/order.service.js';
import { PaymentGateway } from '../payments/payment.gateway.js';
import { ShippingService } from '../shipping/shipping.service.js';
import { deleteDemoTopology } from './demo-topology.cleanup.js';
import { openDemoDatabase, type DemoDatabase } from './demo.database.js';
import { AUDIT_HANDLER, DEMO_HANDLERS, expectedFlow, missingFromFlow } from './demo.expectations.js';
import { DemoLogger } from './demo.logger.js';
import { DEMO_STOCK, declinedOrders, demoOrders } from './demo.orders.js';
import { formatSummary, type DemoResult, type SagaOutcome } from './demo.summary.js';

export interface DemoOptions {
  /** @default process.env.AMQP_URL ?? 'amqp://localhost:5672' */
  uri?: string;
  /** Exchange (and service name) of this run. @default a fresh `orders-demo-<time>-<random>` */
  exchange?: string;
  /** Longest wait for the whole event flow after the orders are placed. @default 20000 */
  timeoutMs?: number;
  /** Where the demo's own lines go. @default nowhere */
  print?: (line: string) => void;
  /** Stops the run early: the app is closed and the run's topology deleted, then runDemo rejects. */
  signal?: AbortSignal;
  /** `memory`: run without a broker on the in-process transport. @default 'amqp' */
  transport?: 'amqp' | 'memory';
  /** Nest logger. @default DemoLogger (warnings, errors and the library's handler lines) */
  logger?: LoggerService | LogLevel[] | false;
}

/** Deletes what a run declared on `exchange` (its service has the same name). */
function cleanUpDemo(uri: string, exchange: string): Promise<void> {
  const queues = [...DEMO_HANDLERS.map((h) => `${exchange}.${h}`), `${exchange}.sagas`];
  return deleteDemoTopology(uri, exchange, exchange, queues);
}

/**
 * Boots the orders app on a fresh exchange and a fresh SQLite file, places the demo orders (each an
 * event-sourced Order whose `Order.created` goes out through the outbox), waits until every handler,
 * follow-up event and fulfilment saga is done, reads the order-summary projection, then closes the app,
 * deletes the run's topology and database and returns what happened. Rejects when the flow does not
 * complete within `timeoutMs`.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const uri = options.uri ?? process.env.AMQP_URL ?? 'amqp://localhost:5672';
  const print = options.print ?? (() => undefined);
  // a fresh exchange (and service name) per run: runs never share queues, leftovers never skew counts
  const exchange =
    options.exchange ?? `orders-demo-${Date.now().toString(36)}-${randomBytes(2).toString('hex')}`;
  const { signal } = options;
  const stopIfAborted = () => {
    if (signal?.aborted) throw new Error('stopped before the event flow completed');
  };
  const service = exchange;
  const recorder = new EventFlowRecorder(print);
  const timeline = new SagaTimeline(print);
  const warehouse = new Warehouse(DEMO_STOCK);
  const orders = demoOrders();
  const expected = expectedFlow(orders.length, declinedOrders(orders));
  const timeoutMs = options.timeoutMs ?? 20_000;
  const started = Date.now();
  const transport = options.transport ?? 'amqp';
  print(
    transport === 'memory'
      ? `orders demo: MEMORY TRANSPORT (in-process, no broker), exchange "${exchange}"`
      : `orders demo: RabbitMQ ${maskUri(uri)}, exchange "${exchange}"`,
  );

  let db: DemoDatabase | undefined;
  let app: INestApplicationContext | undefined;
  try {
    db = await openDemoDatabase();
    print(`event store, outbox and sagas: SQLite ${db.file}`);
    const config = {
      uri,
      transport,
      exchange,
      service,
      dataSource: db.dataSource,
      recorder,
      timeline,
      warehouse,
      payments: new PaymentGateway(),
      shipping: new ShippingService(),
    };
    app = await NestFactory.createApplicationContext(AppModule.register(config), {
      logger: options.logger ?? new DemoLogger(),
      abortOnError: false,
    });
    const orderService = app.get(OrderService);
    for (const order of orders) {
      print(`placing order ${shortId(order.id)} for ${order.customer.email}`);
      await orderService.place(order); // resolves once Order.created is stored (and in the outbox)
      stopIfAborted();
    }
    await recorder.until(
      () => missingFromFlow(recorder, expected).length === 0,
      timeoutMs,
      () => missingFromFlow(recorder, expected).join(', '),
      signal,
    );
    const orderSummary = await app.get(OrderSummaryReader).view(timeoutMs);
    const sagas = await app.get(SagaOrchestrator).list({ name: FULFILMENT_SAGA });
    const outcomes: SagaOutcome[] = orders.map((o) => {
      const s = sagas.find((x) => x.id === `fulfil-${o.id}`);
      return {
        id: `fulfil-${shortId(o.id)}`,
        customer: o.customer.name,
        status: s?.status ?? 'running',
        completedSteps: s?.completedSteps ?? [],
        ...(s?.error ? { error: s.error } : {}),
        timeline: s ? timeline.of(s.id) : [],
      };
    });
    const deadLetters = await app.get(DeadLetterService).count();
    const metrics = app.get(EventsMetrics);
    const sagaMetrics = app.get(SagaMetrics);
    await app.close(); // drains in-flight handlers and confirms
    app = undefined;
    const result: DemoResult = {
      transport,
      exchange,
      service,
      orders: orders.length,
      durationMs: Date.now() - started,
      eventsByType: Object.fromEntries(
        Object.keys(expected.byType).map((t) => [t, recorder.handled(AUDIT_HANDLER, t)]),
      ),
      handledByHandler: Object.fromEntries(
        Object.keys(expected.byHandler).map((h) => [h, recorder.handled(h)]),
      ),
      failedAttempts: recorder.failures().length,
      retries: metrics.snapshot().retried,
      deadLetters,
      metrics: metrics.snapshot(),
      sagas: outcomes,
      sagaMetrics: sagaMetrics.snapshot(),
      orderSummary,
      stock: warehouse.levels(),
    };
    for (const line of formatSummary(result)) print(line);
    return result;
  } finally {
    if (app) await app.close().catch(() => undefined);
    await db?.dispose();
    if (transport === 'amqp') {
      await cleanUpDemo(uri, exchange).catch((e: Error) =>
        print(`could not delete the demo's queues and exchanges: ${maskUri(e.message)}`),
      );
    }
  }
}
