import 'reflect-metadata';
import type { INestApplicationContext, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { DeadLetterService, EventsMetrics, maskUri } from 'nestjs-amqp-events';
import { AppModule } from '../app.module.js';
import { EventFlowRecorder, shortId } from '../flow/event-flow.recorder.js';
import { OrderService } from '../orders/order.service.js';
import { deleteDemoTopology } from './demo-topology.cleanup.js';
import { AUDIT_HANDLER, expectedFlow, missingFromFlow } from './demo.expectations.js';
import { DemoLogger } from './demo.logger.js';
import { demoOrders } from './demo.orders.js';
import { formatSummary, type DemoResult } from './demo.summary.js';

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
  const queues = Object.keys(expectedFlow(0).byHandler).map((h) => `${exchange}.${h}`);
  return deleteDemoTopology(uri, exchange, queues);
}

/**
 * Boots the orders app on a fresh exchange, places the demo orders, waits until every handler and
 * every follow-up event was handled, then closes the app, deletes the run's topology and returns
 * what happened. Rejects when the flow does not complete within `timeoutMs`.
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
  const orders = demoOrders();
  const expected = expectedFlow(orders.length);
  const started = Date.now();
  const transport = options.transport ?? 'amqp';
  print(
    transport === 'memory'
      ? `orders demo: MEMORY TRANSPORT (in-process, no broker), exchange "${exchange}"`
      : `orders demo: RabbitMQ ${maskUri(uri)}, exchange "${exchange}"`,
  );

  let app: INestApplicationContext | undefined;
  try {
    app = await NestFactory.createApplicationContext(
      AppModule.register({ uri, transport, exchange, service, recorder }),
      {
        logger: options.logger ?? new DemoLogger(),
        abortOnError: false,
      },
    );
    const orderService = app.get(OrderService);
    for (const order of orders) {
      print(`placing order ${shortId(order.id)} for ${order.customer.email}`);
      await orderService.place(order); // resolves once the broker confirmed Order.created
      stopIfAborted();
    }
    await recorder.until(
      () => missingFromFlow(recorder, expected).length === 0,
      options.timeoutMs ?? 20_000,
      () => missingFromFlow(recorder, expected).join(', '),
      signal,
    );
    const deadLetters = await app.get(DeadLetterService).count();
    const metrics = app.get(EventsMetrics);
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
    };
    for (const line of formatSummary(result)) print(line);
    return result;
  } finally {
    if (app) await app.close().catch(() => undefined);
    if (transport === 'amqp') {
      await cleanUpDemo(uri, exchange).catch((e: Error) =>
        print(`could not delete the demo's queues and exchanges: ${maskUri(e.message)}`),
      );
    }
  }
}
