import { jest } from '@jest/globals';
import { Injectable, type INestApplicationContext } from '@nestjs/common';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterService, EventPublisher, OnEvent, type EventContext } from 'nestjs-amqp-events';
import { createEventsApp } from '../support/app.js';
import { uniqueName } from '../support/broker.js';
import {
  clusterQueueDepths,
  freezeNode,
  killNode,
  queueLeader,
  restartNode,
  startCluster,
  stopCluster,
  thawNode,
  type ClusterNode,
} from '../support/cluster.js';
import { forEachConcurrently } from '../support/concurrency.js';
import { waitFor } from '../support/wait.js';

jest.setTimeout(120_000);

/** Events per fault: enough to have messages in every state (queued, in flight, retrying) when it hits. */
const EVENTS = 1500;
/** Every 50th event fails its first attempt (2 %): its retry goes through the quorum delay levels. */
const FAIL_EVERY = 50;

interface Run {
  effects: Map<string, number>;
  failedOnce: Set<string>;
  confirmed: Set<string>;
  publishFailures: number;
}

function newRun(): Run {
  return { effects: new Map(), failedOnce: new Set(), confirmed: new Set(), publishFailures: 0 };
}

/** A handler without an inbox: its effect is counted per event id (0 = lost, 2+ = duplicate). */
function ledgerFor(run: Run) {
  @Injectable()
  class Ledger {
    @OnEvent('Ledger.posted', { retry: { maxAttempts: 5, backoff: 'fixed', initialDelayMs: 200 } })
    async post(data: { n: number }, ctx: EventContext) {
      await new Promise((r) => setTimeout(r, 2)); // a little work, so deliveries are in flight when a fault hits
      if (data.n % FAIL_EVERY === 0 && ctx.attempt === 1) {
        run.failedOnce.add(ctx.id);
        throw new Error('transient failure');
      }
      run.effects.set(ctx.id, (run.effects.get(ctx.id) ?? 0) + 1);
    }
  }
  return Ledger;
}

/**
 * Publishes EVENTS events (32 in flight); injects `fault` once a third of them are confirmed (the
 * publishers wait for the injection, so the fault hits mid-load).
 */
async function publishLoad(
  pub: EventPublisher,
  run: Run,
  fault: () => Promise<void>,
  /** When given, a publisher whose publish failed waits for it, then publishes that event once more. */
  resume?: Promise<void>,
): Promise<void> {
  let faulted = false;
  let injected: Promise<void> = Promise.resolve();
  await forEachConcurrently(
    Array.from({ length: EVENTS }, (_, n) => n),
    32,
    async (n) => {
      await injected;
      for (let tries = 0; tries < 2; tries++) {
        try {
          const { id } = await pub.publish('Ledger.posted', { n });
          run.confirmed.add(id);
          break;
        } catch {
          run.publishFailures++; // not confirmed: outside the invariant (the caller would retry)
          if (!resume) break;
          await resume;
        }
      }
      if (!faulted && run.confirmed.size >= EVENTS / 3) {
        faulted = true;
        injected = fault();
      }
    },
  );
}

function lost(run: Run): string[] {
  return [...run.confirmed].filter((id) => !run.effects.has(id));
}

/**
 * Waits until every confirmed event had its effect; on timeout the error says how many are missing,
 * whether they had failed once, and where messages still are (queues of the bus with messages).
 */
async function awaitEffects(run: Run, timeoutMs: number, via: string, prefixes: string[]): Promise<void> {
  await waitFor(() => lost(run).length === 0, 'an effect for every confirmed event', timeoutMs, 100).catch(
    async (e: Error) => {
      const missing = lost(run);
      const depths = await clusterQueueDepths(via, (n) => prefixes.some((p) => n.startsWith(p))).catch(
        (err: Error) => ({ error: err.message }),
      );
      const held = Object.fromEntries(Object.entries(depths).filter(([, d]) => d !== 0));
      throw new Error(
        `${e.message}; ${missing.length} of ${run.confirmed.size} confirmed events have none ` +
          `(${missing.filter((id) => run.failedOnce.has(id)).length} of them had failed once); ` +
          `queues holding messages: ${JSON.stringify(held)}`,
      );
    },
  );
}

const t0 = Date.now();
function step(what: string): void {
  if (process.env.REL_DEBUG) process.stderr.write(`[${Date.now() - t0} ms] ${what}\n`);
}

function record(name: string, figures: Record<string, unknown>): void {
  writeFileSync(join(tmpdir(), `nae-reliability-${name}.json`), JSON.stringify(figures, null, 2));
  if (process.env.TEST_LOGS) process.stdout.write(`${name}: ${JSON.stringify(figures)}\n`);
}

describe('a 3-node cluster with quorum queues', () => {
  let nodes: ClusterNode[];
  let clusterStartMs = 0;
  const apps: INestApplicationContext[] = [];

  beforeAll(async () => {
    const c = await startCluster();
    nodes = c.nodes;
    clusterStartMs = c.startedInMs;
  }, 180_000);

  afterEach(async () => {
    // a node left frozen by a failed test would hang the apps' close (and the next test)
    for (const n of nodes) await thawNode(n.name).catch(() => undefined);
    for (const a of apps.splice(0)) await a.close().catch(() => undefined);
  });

  afterAll(async () => {
    await stopCluster();
  }, 120_000);

  const uris = (first = 0) => [...nodes.slice(first), ...nodes.slice(0, first)].map((n) => n.uri);

  /** Parked messages of `queue`, split into events that failed for good... and those that never did. */
  async function parked(app: INestApplicationContext, queue: string, run: Run) {
    const letters = await app.get(DeadLetterService).list(queue, { limit: 1000 });
    const healthy = letters.filter((l) => !l.id || !run.failedOnce.has(l.id));
    const reasons: Record<string, number> = {};
    for (const l of healthy) reasons[l.reason ?? '?'] = (reasons[l.reason ?? '?'] ?? 0) + 1;
    return { total: letters.length, healthy: healthy.length, healthyReasons: reasons };
  }

  it('loses no confirmed event and parks no healthy one when the node leading the handler queue is killed (-9) and restarted', async () => {
    const exchange = uniqueName('rel-kill');
    const service = uniqueName('ledger');
    const queue = `${service}.Ledger.post`;
    const run = newRun();
    const app = await createEventsApp(
      { uri: uris(), exchange, service, queueType: 'quorum', prefetch: 20, connectTimeoutMs: 2000 },
      [ledgerFor(run)],
    );
    apps.push(app);
    const leader = await waitFor(() => queueLeader(queue), 'the handler queue leader');
    let killedAt = 0;
    const began = Date.now();
    await publishLoad(app.get(EventPublisher), run, async () => {
      killedAt = Date.now();
      await killNode(leader);
    });
    const publishMs = Date.now() - began;
    // the node comes back while (or after) the backlog drains
    const restartMs = await restartNode(leader);
    const live = nodes.find((n) => n.name !== leader)!.name;
    await awaitEffects(run, 60_000, live, [exchange, service]);
    const drainedMs = Date.now() - killedAt;
    await waitFor(
      async () =>
        Object.values(
          await clusterQueueDepths(live, (n) => n.startsWith(`${exchange}.delay.`) || n === queue),
        ).every((d) => d === 0),
      'the handler queue and the delay levels to drain',
      30_000,
      200,
    );
    const p = await parked(app, queue, run);
    const duplicates = [...run.effects.values()].filter((c) => c > 1).length;
    const unrouted = (await clusterQueueDepths(live, (n) => n === `${exchange}.unrouted.quorum`))[
      `${exchange}.unrouted.quorum`
    ];
    record('leader-kill', {
      clusterStartMs,
      events: EVENTS,
      confirmed: run.confirmed.size,
      publishFailures: run.publishFailures,
      failedOnce: run.failedOnce.size,
      lost: lost(run).length,
      duplicates,
      parked: p,
      unrouted,
      leader,
      publishMs,
      restartMs,
      allEffectsMsAfterKill: drainedMs,
    });
    expect(lost(run)).toEqual([]);
    expect(run.confirmed.size).toBeGreaterThan(EVENTS / 2);
    expect(run.failedOnce.size).toBeGreaterThan(0);
    expect(p.healthyReasons).toEqual({});
    expect(unrouted).toBe(0);
  });

  it('loses nothing while the leading node is frozen (SIGSTOP), and an app started meanwhile still starts on the next node', async () => {
    const exchange = uniqueName('rel-freeze');
    const service = uniqueName('ledger');
    const queue = `${service}.Ledger.post`;
    const run = newRun();
    const options = {
      exchange,
      service,
      queueType: 'quorum' as const,
      prefetch: 20,
      connectTimeoutMs: 2000,
      heartbeatSeconds: 3,
      publishTimeoutMs: 10_000,
    };
    const app = await createEventsApp({ ...options, uri: uris() }, [ledgerFor(run)]);
    apps.push(app);
    const leader = await waitFor(() => queueLeader(queue), 'the handler queue leader');
    const frozenIndex = nodes.findIndex((n) => n.name === leader);
    let frozenAt = 0;
    let frozen!: () => void;
    const isFrozen = new Promise<void>((r) => (frozen = r));
    let thawed!: () => void;
    const isThawed = new Promise<void>((r) => (thawed = r));
    const began = Date.now();
    // publishers that see a publish fail wait for the thaw (a caller backing off), then publish again
    const load = publishLoad(
      app.get(EventPublisher),
      run,
      async () => {
        await freezeNode(leader);
        frozenAt = Date.now();
        frozen();
      },
      isThawed,
    );
    await isFrozen;
    step(`frozen ${leader}, confirmed ${run.confirmed.size}`);
    // a second instance of the service starts while the node is frozen, the frozen node first in its list
    const startBegan = Date.now();
    const second = await createEventsApp({ ...options, uri: uris(frozenIndex), startupTimeoutMs: 60_000 }, [
      ledgerFor(run),
    ]);
    apps.push(second);
    const secondStartMs = Date.now() - startBegan;
    step(`second app started in ${secondStartMs} ms`);
    // frozen for at least 15 s (longer than net_ticktime: the others declare the node down)
    const remaining = 15_000 - (Date.now() - frozenAt);
    if (remaining > 0) await new Promise((r) => setTimeout(r, remaining));
    const frozenMs = Date.now() - frozenAt;
    step(`thawing: confirmed ${run.confirmed.size}, failed ${run.publishFailures}`);
    await thawNode(leader);
    thawed();
    step('thawed');
    await load;
    step(`load done: confirmed ${run.confirmed.size}, failed ${run.publishFailures}`);
    const publishMs = Date.now() - began;
    const live = nodes.find((n) => n.name !== leader)!.name;
    // a retry copy caught between two delay levels by the failover moves on after the broker's
    // dead_letter_worker_publisher_confirm_timeout (5 s on this cluster; 180 s by default on 3.10)
    // a majority suffices: the thawed node may still be rejoining (autoheal restarts it). Once in a
    // clean-clone CI run, 20 retry copies were still held in the quorum delay levels after 60 s (held,
    // not lost: they sat in .delay.q07/.q06/.q03), so the wait is 120 s
    await awaitEffects(run, 120_000, live, [exchange, service]);
    const allEffectsMs = Date.now() - frozenAt;
    step(`all effects ${allEffectsMs} ms after the freeze`);
    await waitFor(
      async () =>
        Object.values(
          await clusterQueueDepths(live, (n) => n.startsWith(`${exchange}.delay.`) || n === queue),
        ).every((d) => d === 0),
      'the handler queue and the delay levels to drain',
      30_000,
      200,
    );
    const p = await parked(second, queue, run);
    const duplicates = [...run.effects.values()].filter((c) => c > 1).length;
    record('freeze', {
      events: EVENTS,
      confirmed: run.confirmed.size,
      publishFailures: run.publishFailures,
      failedOnce: run.failedOnce.size,
      lost: lost(run).length,
      duplicates,
      parked: p,
      leader,
      frozenMs,
      secondAppStartMs: secondStartMs,
      publishMs,
      allEffectsMsAfterFreeze: allEffectsMs,
    });
    expect(lost(run)).toEqual([]);
    expect(run.confirmed.size).toBeGreaterThan(EVENTS / 2);
    expect(p.healthyReasons).toEqual({});
    // connect timeout on the frozen node (2 s), then the next node; metadata operations wait until the
    // frozen node is declared down (net_ticktime 10 s ± 25 %)
    expect(secondStartMs).toBeLessThan(25_000);
  }, 270_000);
});
