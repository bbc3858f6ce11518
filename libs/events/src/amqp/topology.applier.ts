import type { Channel, ChannelModel } from 'amqplib';
import { TopologyMismatchError } from '../errors/topology-mismatch.error.js';
import type { Topology } from '../topology/topology.js';
import { describeMismatch, migrationAdvice, parsePreconditionFailed } from '../topology/topology-mismatch.js';

/**
 * Declares a topology on a fresh channel. Idempotent: re-run on every reconnect. A declaration the
 * broker refuses (PRECONDITION_FAILED: the object exists with other arguments) becomes a
 * TopologyMismatchError naming the object, what differs and how to migrate.
 */
export async function applyTopology(connection: ChannelModel, topology: Topology): Promise<void> {
  let current = '';
  let declared: Record<string, unknown> | undefined;
  let channel: Channel | undefined;
  try {
    channel = await connection.createChannel();
    channel.on('error', () => undefined); // reported through the rejected declaration below
    for (const ex of topology.exchanges) {
      current = ex.name;
      declared = { type: ex.type, ...ex.arguments };
      await channel.assertExchange(ex.name, ex.type, {
        durable: true,
        autoDelete: false,
        arguments: ex.arguments,
      });
    }
    for (const q of topology.queues) {
      current = q.name;
      declared = q.arguments;
      await channel.assertQueue(q.name, { durable: true, autoDelete: false, arguments: q.arguments });
    }
    declared = undefined;
    for (const b of topology.bindings) {
      current = `${b.source} -> ${b.destination}`;
      if (b.destinationType === 'queue')
        await channel.bindQueue(b.destination, b.source, b.pattern, b.arguments);
      else await channel.bindExchange(b.destination, b.source, b.pattern, b.arguments);
    }
  } catch (e) {
    const err = e as Error & { code?: number };
    if (err.code === 406 || /PRECONDITION_FAILED/.test(err.message)) {
      const mismatch = parsePreconditionFailed(err.message);
      throw new TopologyMismatchError(current, err.message, {
        difference: mismatch && describeMismatch(mismatch),
        argument: mismatch?.argument,
        declaredArguments: declared,
        advice: migrationAdvice(mismatch, current),
      });
    }
    throw e;
  } finally {
    await channel?.close().catch(() => undefined);
  }
}
