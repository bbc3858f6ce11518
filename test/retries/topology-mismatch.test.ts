import { jest } from '@jest/globals';
import { Injectable } from '@nestjs/common';
import { OnEvent, TopologyMismatchError } from 'nestjs-amqp-events';
import { connectRaw, deleteTopology, uniqueName } from '../support/broker.js';
import { startApp } from './support/app-context.js';

jest.setTimeout(30_000);

@Injectable()
class Billing {
  @OnEvent('Order.created')
  onCreated() {}
}

async function startupError(run: () => Promise<{ close(): Promise<void> }>): Promise<TopologyMismatchError> {
  let app;
  try {
    app = await run();
  } catch (e) {
    expect(e).toBeInstanceOf(TopologyMismatchError);
    return e as TopologyMismatchError;
  }
  await app.close();
  throw new Error('expected startup to fail with TopologyMismatchError');
}

describe('a queue re-declared with other arguments', () => {
  const exchange = uniqueName('mismatch');
  const queues: string[] = [];

  afterAll(async () => {
    await deleteTopology(exchange, queues);
  });

  it('fails at startup when a classic queue is re-declared as quorum, naming the difference and the migration', async () => {
    const service = uniqueName('svc');
    const queue = `${service}.Billing.onCreated`;
    queues.push(queue);
    const classic = await startApp({ exchange, service, maxPriority: 10 }, [Billing]);
    await classic.close();
    const err = await startupError(() => startApp({ exchange, service, queueType: 'quorum' }, [Billing]));
    expect(err.objectName).toBe(queue);
    expect(err.argument).toBe('x-max-priority'); // the first difference the broker reports
    expect(err.declaredArguments).toMatchObject({
      'x-queue-type': 'quorum',
      'x-delivery-limit': expect.any(Number),
    });
    expect(err.message).toContain(
      `queue "${queue}" exists with x-max-priority=10, but this service declares x-max-priority not set`,
    );
    expect(err.message).toContain('"x-queue-type":"quorum"');
    expect(err.message).toContain(`rabbitmqctl delete_queue ${queue}`);
    expect(err.message).toContain('docs/operations.md#changing-queue-arguments');
  });

  it('fails when a quorum queue is re-declared as classic', async () => {
    const service = uniqueName('svc');
    const queue = `${service}.Billing.onCreated`;
    queues.push(queue);
    const quorum = await startApp({ exchange, service, queueType: 'quorum' }, [Billing]);
    await quorum.close();
    const err = await startupError(() => startApp({ exchange, service }, [Billing]));
    expect(err.argument).toBe('x-queue-type');
    expect(err.message).toContain(
      `queue "${queue}" exists with x-queue-type=quorum, but this service declares x-queue-type not set (a classic queue)`,
    );
  });

  it('fails when a priority queue of an earlier version (x-max-priority 10) meets a handler without maxPriority, advising maxPriority: 10', async () => {
    const service = uniqueName('svc');
    const queue = `${service}.Billing.onCreated`;
    queues.push(queue);
    const older = await startApp({ exchange, service, maxPriority: 10 }, [Billing]);
    await older.close();
    const err = await startupError(() => startApp({ exchange, service }, [Billing]));
    expect(err.argument).toBe('x-max-priority');
    expect(err.message).toContain(
      `queue "${queue}" exists with x-max-priority=10, but this service declares x-max-priority not set`,
    );
    expect(err.message).toContain('`maxPriority: 10` on this handler (or the module)');
  });

  it('fails when the queue was pre-created without x-max-priority and the handler asks for one', async () => {
    const service = uniqueName('svc');
    const queue = `${service}.Billing.onCreated`;
    queues.push(queue);
    const conn = await connectRaw();
    try {
      const ch = await conn.createChannel();
      await ch.assertQueue(queue, {
        durable: true,
        arguments: { 'x-dead-letter-exchange': `${exchange}.dlx`, 'x-dead-letter-routing-key': queue },
      });
      await ch.close();
    } finally {
      await conn.close();
    }
    const err = await startupError(() => startApp({ exchange, service, maxPriority: 10 }, [Billing]));
    expect(err.objectName).toBe(queue);
    expect(err.message).toContain(
      `exists with x-max-priority not set, but this service declares x-max-priority=10`,
    );
    expect(err.message).toContain('To migrate');
  });
});
