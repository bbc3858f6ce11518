import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { ConfirmChannel, Options } from 'amqplib';
import { publishFrame, sendConfirmed, type PublishFrame } from './confirm-send.js';

// amqplib's own argument builder and encoder (not exported through its package "exports"): the frame
// we build must encode to exactly the bytes channel.publish() sends.
const requireCjs = createRequire(import.meta.url);
const amqplibDir = dirname(requireCjs.resolve('amqplib'));
interface AmqpDefs {
  BasicPublish: number;
  BasicProperties: number;
  encodeMethod(id: number, channel: number, fields: object): Buffer;
  encodeProperties(id: number, channel: number, size: number, fields: object): Buffer;
}
const defs = requireCjs(join(amqplibDir, 'lib/defs.js')) as AmqpDefs;
const args = requireCjs(join(amqplibDir, 'lib/api_args.js')) as {
  publish(e: string, k: string, o: Options.Publish): object;
};

function bytesOfPublish(fields: object, size: number): Buffer {
  return Buffer.concat([
    defs.encodeMethod(defs.BasicPublish, 3, fields),
    defs.encodeProperties(defs.BasicProperties, 3, size, fields),
  ]);
}

const cases: Array<[string, Options.Publish]> = [
  [
    'an event as the publisher encodes it',
    {
      messageId: '7b0c2f7e-3c1e-4a47-9a3e-0d6f3c2b1a00',
      type: 'Order.created',
      appId: 'billing',
      timestamp: 1_763_800_000,
      correlationId: 'c-1',
      priority: 7,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
      persistent: true,
      headers: {
        'cloudEvents:specversion': '1.0',
        'cloudEvents:id': '7b0c2f7e-3c1e-4a47-9a3e-0d6f3c2b1a00',
        'cloudEvents:time': '2025-11-22T07:00:00.000Z',
        'x-attempt': 2,
        tenant: 'ü-ñ',
        flag: true,
        nothing: null,
        big: 2 ** 40,
        ratio: 0.25,
      },
    },
  ],
  ['no headers, not persistent', { messageId: 'm-2', persistent: false, priority: 0 }],
  ['only headers', { headers: { a: 'b' } }],
  ['nothing at all', {}],
  ['reply-to and user id', { replyTo: 'q', userId: 'guest', persistent: true, headers: {} }],
];

describe('publishFrame', () => {
  it.each(cases)('encodes %s to the same bytes as channel.publish() with mandatory', (_name, options) => {
    const frame = publishFrame('events', 'Order.created', options);
    expect(frame).toBeDefined();
    const expected = bytesOfPublish(
      args.publish('events', 'Order.created', { ...options, mandatory: true }),
      321,
    );
    expect(bytesOfPublish(frame as PublishFrame, 321).equals(expected)).toBe(true);
  });

  it('leaves CC, BCC, expiration and deliveryMode to channel.publish()', () => {
    expect(publishFrame('e', 'k', { CC: 'x' })).toBeUndefined();
    expect(publishFrame('e', 'k', { BCC: ['x'] })).toBeUndefined();
    expect(publishFrame('e', 'k', { expiration: 1000 })).toBeUndefined();
    expect(publishFrame('e', 'k', { deliveryMode: 2 })).toBeUndefined();
  });
});

describe('sendConfirmed', () => {
  const content = Buffer.from('{}');
  const cb = (): void => undefined;

  it('writes the prebuilt frame and then registers the confirm callback, like ConfirmChannel.publish()', () => {
    const calls: string[] = [];
    const channel = {
      sendMessage: (fields: PublishFrame, props: PublishFrame, body: Buffer) => {
        calls.push(`send ${fields.routingKey} ${props === fields} ${body === content}`);
        return false;
      },
      pushConfirmCallback: (fn: unknown) => calls.push(`confirm ${fn === cb}`),
      publish: () => calls.push('publish'),
    } as unknown as ConfirmChannel;
    const frame = publishFrame('e', 'k', { persistent: true });
    expect(sendConfirmed(channel, frame, 'e', 'k', content, { persistent: true }, cb)).toBe(false);
    expect(calls).toEqual(['send k true true', 'confirm true']);
  });

  it('registers no callback when the write throws (closed channel)', () => {
    const calls: string[] = [];
    const channel = {
      sendMessage: () => {
        throw new Error('Channel closed');
      },
      pushConfirmCallback: () => calls.push('confirm'),
    } as unknown as ConfirmChannel;
    expect(() => sendConfirmed(channel, publishFrame('e', 'k', {}), 'e', 'k', content, {}, cb)).toThrow(
      'Channel closed',
    );
    expect(calls).toEqual([]);
  });

  it('falls back to channel.publish() with mandatory without a frame or without the internal methods', () => {
    const seen: Options.Publish[] = [];
    const channel = {
      publish: (_e: string, _k: string, _c: Buffer, o: Options.Publish) => {
        seen.push(o);
        return true;
      },
    } as unknown as ConfirmChannel;
    expect(sendConfirmed(channel, publishFrame('e', 'k', {}), 'e', 'k', content, { priority: 3 }, cb)).toBe(
      true,
    );
    expect(
      sendConfirmed(
        { ...channel, sendMessage: () => true } as unknown as ConfirmChannel,
        undefined,
        'e',
        'k',
        content,
        { CC: 'x' },
        cb,
      ),
    ).toBe(true);
    expect(seen).toEqual([
      { priority: 3, mandatory: true },
      { CC: 'x', mandatory: true },
    ]);
  });
});
