import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import type { INestApplicationContext } from '@nestjs/common';
import { EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import amqp from 'amqplib';
import { createEventsApp } from '../support/app.js';
import { CaptureLogger } from '../support/capture-logger.js';
import { uniqueName } from '../support/broker.js';
import { startPrivateBroker, type PrivateBroker } from '../support/private-node.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(120_000);

/**
 * A memory alarm on the broker blocks every publishing connection. A failing delivery's retry copy is
 * published on the blocked publish connection, so that delivery must wait (it is never acked before
 * its copy is safe). Healthy messages behind it must keep flowing, and the failing ones must neither
 * loop nor be counted again; once the alarm clears, they are retried and handled. Runs on a node of
 * its own: the shared broker is never put into an alarm.
 */
describe('a memory alarm while some handlers fail', () => {
  const N = 400;
  const FAILING_EVERY = 40; // 10 events (2.5 %) fail their first attempt
  const PREFETCH = 5;
  const SHUTDOWN_MS = 3_000;
  let node: PrivateBroker;
  let uri: string;
  const exchange = uniqueName('alarm');
  const service = uniqueName('svc');
  const runs = new Map<number, number>();
  const handled = new Set<number>();
  let gate!: () => void;
  const opened = new Promise<void>((r) => (gate = r));
  const apps: INestApplicationContext[] = [];
  const logger = new CaptureLogger();

  @Injectable()
  class Worker {
    @OnEvent('Job.queued', { retry: { maxAttempts: 3, backoff: 'fixed', initialDelayMs: 100 } })
    async onJob(data: { i: number }, ctx: EventContext) {
      await opened;
      runs.set(data.i, (runs.get(data.i) ?? 0) + 1);
      if (data.i % FAILING_EVERY === 0 && ctx.attempt === 1) throw new Error(`job ${data.i} fails once`);
      handled.add(data.i);
    }
  }

  beforeAll(async () => {
    node = await startPrivateBroker('events-alarm-');
    uri = node.uri;
    const common = {
      uri,
      exchange,
      reconnectDelayMs: 200,
      publishTimeoutMs: 2_000,
      shutdownTimeoutMs: SHUTDOWN_MS,
    };
    apps.push(await createEventsApp({ ...common, service, prefetch: PREFETCH }, [Worker], { logger }));
    // Nest's static logger is global: the second app must not replace the capturing one
    apps.push(
      await createEventsApp({ ...common, service: uniqueName('api'), consume: false }, [], { logger }),
    );
  }, 90_000);

  /** Drops the node's memory watermark to ~0, so it raises a memory alarm and blocks publishers. */
  async function raiseMemoryAlarm(): Promise<void> {
    await node.rabbitmqctl('set_vm_memory_high_watermark', '0.0000001');
    await waitFor(
      async () => /memory/.test(await node.rabbitmqctl('eval', 'rabbit_alarm:get_alarms().')),
      'the memory alarm',
      15_000,
      200,
    );
  }

  afterAll(async () => {
    await node?.rabbitmqctl('set_vm_memory_high_watermark', '0.4').catch(() => undefined);
    for (const a of apps) await a.close().catch(() => undefined);
    await node?.dispose();
  });

  it('keeps handling healthy events during the alarm, then retries the failed ones: none lost, none parked', async () => {
    const publisher = apps[1].get(EventPublisher);
    for (let i = 0; i < N; i++) await publisher.publish('Job.queued', { i });
    // the backlog is in the queue; now the broker runs out of memory (its watermark drops to ~0)
    await raiseMemoryAlarm();
    const alarmAt = Date.now();
    gate();

    const healthy = N - N / FAILING_EVERY;
    // every healthy event is handled while the alarm lasts (without the extra windows, the first
    // five failing deliveries would hold all five prefetch slots until the alarm clears)
    await waitFor(
      () => handled.size >= healthy,
      `${healthy} healthy events handled during the alarm`,
      30_000,
    );
    const drainedMs = Date.now() - alarmAt;
    expect(await node.rabbitmqctl('eval', 'rabbit_alarm:get_alarms().')).toMatch(/memory/);
    // the failing ones ran once each: no redelivery loop while their copies wait
    for (let i = 0; i < N; i += FAILING_EVERY) expect(runs.get(i) ?? 0).toBeLessThanOrEqual(1);
    expect(logger.lines.some((l) => l.text.includes('opened prefetch window'))).toBe(true);

    await node.rabbitmqctl('set_vm_memory_high_watermark', '0.4');
    await waitFor(() => handled.size === N, `all ${N} events handled after the alarm`, 30_000);
    for (let i = 0; i < N; i += FAILING_EVERY) expect(runs.get(i)).toBe(2);

    // nothing parked, nothing left behind
    const conn = await amqp.connect(uri);
    try {
      const ch = await conn.createChannel();
      const queue = `${service}.Worker.onJob`;
      expect((await ch.checkQueue(`${queue}.dlq`)).messageCount).toBe(0);
      await waitFor(async () => (await ch.checkQueue(queue)).messageCount === 0, 'an empty queue');
    } finally {
      await conn.close();
    }
    process.stdout.write(`memory alarm: ${healthy} healthy events drained in ${drainedMs} ms of alarm\n`);
  });

  it('fails a publish during the alarm with the reason, and shuts down within its bound', async () => {
    await raiseMemoryAlarm();
    const api = apps[1];
    const failed = await api
      .get(EventPublisher)
      .publish('Job.queued', { i: -1 })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(failed?.message).toMatch(/not confirmed within 2000 ms.*blocks publishing: low on memory/);
    const started = Date.now();
    await api.close();
    apps.splice(1, 1);
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_MS + 5_000);
  });
});
