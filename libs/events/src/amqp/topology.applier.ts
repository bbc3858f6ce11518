import type { Channel, ChannelModel } from 'amqplib';
import { AccessRefusedError } from '../errors/access-refused.error.js';
import { TopologyMismatchError } from '../errors/topology-mismatch.error.js';
import type { Topology } from '../topology/topology.js';
import {
  describeMismatch,
  migrationAdvice,
  parsePreconditionFailed,
  rootMismatch,
} from '../topology/topology-mismatch.js';

/** One declaration in flight: what it declares (for the error) and the broker's answer. */
interface Declaration {
  name: string;
  declared: Record<string, unknown> | undefined;
  result: Promise<unknown>;
}

/** Declarations per channel above which another channel is worth opening; at most MAX_CHANNELS. */
const PER_CHANNEL = 24;
const MAX_CHANNELS = 4;

/**
 * Declares a topology in one pipelined pass. amqplib answers one RPC at a time per channel, so the
 * declarations are spread over a few channels (the broker runs channels in parallel) and issued
 * without awaiting one another: first every exchange and queue, then, once those are all answered,
 * every binding. Idempotent: re-run on every reconnect. A declaration the broker refuses
 * (PRECONDITION_FAILED: the object exists with other arguments) becomes a TopologyMismatchError naming
 * the object, what differs and how to migrate; the broker closes that channel, so the declarations
 * after it on the same channel fail with it, and only the first failure is reported.
 */
export async function applyTopology(connection: ChannelModel, topology: Topology): Promise<void> {
  const objects = topology.exchanges.length + topology.queues.length;
  const count = Math.max(
    1,
    Math.min(MAX_CHANNELS, Math.ceil(Math.max(objects, topology.bindings.length) / PER_CHANNEL)),
  );
  const channels: Channel[] = [];
  try {
    const opened = await Promise.allSettled(Array.from({ length: count }, () => connection.createChannel()));
    for (const o of opened) if (o.status === 'fulfilled') channels.push(o.value);
    const refused = opened.find((o) => o.status === 'rejected');
    if (refused) throw refused.reason;
    for (const ch of channels) ch.on('error', () => undefined); // reported through the rejected declaration
    const on = (i: number) => channels[i % channels.length];
    const first: Declaration[] = [
      ...topology.exchanges.map((ex, i) => ({
        name: ex.name,
        declared: { type: ex.type, ...ex.arguments },
        result: on(i).assertExchange(ex.name, ex.type, {
          durable: true,
          autoDelete: false,
          arguments: ex.arguments,
        }),
      })),
      ...topology.queues.map((q, i) => ({
        name: q.name,
        declared: q.arguments,
        result: on(i + topology.exchanges.length).assertQueue(q.name, {
          durable: true,
          autoDelete: false,
          arguments: q.arguments,
        }),
      })),
    ];
    await settleAll(first);
    await settleAll(
      topology.bindings.map((b, i) => ({
        name: `${b.source} -> ${b.destination}`,
        declared: undefined,
        result:
          b.destinationType === 'queue'
            ? on(i).bindQueue(b.destination, b.source, b.pattern, b.arguments)
            : on(i).bindExchange(b.destination, b.source, b.pattern, b.arguments),
      })),
    );
  } finally {
    await Promise.all(channels.map((ch) => ch.close().catch(() => undefined)));
  }
}

/** Awaits every declaration; throws for the first refused one (in declaration order). */
async function settleAll(pending: Declaration[]): Promise<void> {
  const settled = await Promise.allSettled(pending.map((d) => d.result));
  const failed = settled.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) throw toTopologyError(pending[failed], (settled[failed] as PromiseRejectedResult).reason);
}

function toTopologyError(d: Declaration, reason: unknown): Error {
  const err = reason as Error & { code?: number };
  if (err.code === 406 || /PRECONDITION_FAILED/.test(String(err.message))) {
    const parsed = parsePreconditionFailed(err.message);
    const mismatch = parsed && rootMismatch(parsed, d.declared);
    return new TopologyMismatchError(d.name, err.message, {
      difference: mismatch && describeMismatch(mismatch),
      argument: mismatch?.argument,
      declaredArguments: d.declared,
      advice: migrationAdvice(mismatch, d.name),
    });
  }
  if (err.code === 403 || /ACCESS_REFUSED/.test(String(err.message))) {
    return new AccessRefusedError(d.name, String(err.message));
  }
  return err instanceof Error ? err : new Error(String(reason));
}
