import { HEADERS } from '../constants.js';
import { decodeOutcome, describeError, encodeOutcome, replyTarget } from './delivery-outcome.js';

describe('delivery outcome codec', () => {
  const msg = (headers: Record<string, unknown>) => ({ properties: { messageId: 'evt-1', headers } });

  it('finds no reply target on an ordinary event (fire-and-forget pays one lookup)', () => {
    expect(replyTarget(msg({}))).toBeUndefined();
    expect(replyTarget({ properties: {} })).toBeUndefined();
  });

  it('reads the reply queue, correlation id (event id by default), result wish and format', () => {
    expect(replyTarget(msg({ [HEADERS.replyTo]: 'svc.replies.1' }))).toEqual({
      queue: 'svc.replies.1',
      correlationId: 'evt-1',
      wantsResult: false,
      format: 'events',
    });
    expect(
      replyTarget(
        msg({
          [HEADERS.replyTo]: 'amq.rabbitmq.reply-to.x',
          [HEADERS.replyCorrelationId]: 'c-9',
          [HEADERS.replyWithResult]: true,
          [HEADERS.replyFormat]: 'nest',
        }),
      ),
    ).toEqual({ queue: 'amq.rabbitmq.reply-to.x', correlationId: 'c-9', wantsResult: true, format: 'nest' });
  });

  it('round-trips an outcome and turns an unserializable result into a failure', () => {
    const target = { queue: 'q', correlationId: 'c', wantsResult: true, format: 'events' as const };
    expect(decodeOutcome(encodeOutcome({ ok: true, handler: 'H.m', result: { n: 1 } }, target))).toEqual({
      ok: true,
      handler: 'H.m',
      result: { n: 1 },
    });
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    const failed = decodeOutcome(encodeOutcome({ ok: true, handler: 'H.m', result: circular }, target));
    expect(failed).toMatchObject({ ok: false, error: { name: 'ReplySerializationError' } });
  });

  it("answers in Nest's RMQ format when asked to", () => {
    const target = { queue: 'q', correlationId: 'c', wantsResult: true, format: 'nest' as const };
    expect(JSON.parse(encodeOutcome({ ok: true, handler: 'h', result: 7 }, target).toString())).toEqual({
      id: 'c',
      response: 7,
      isDisposed: true,
    });
    const err = { status: 'error', message: 'bad' };
    expect(
      JSON.parse(encodeOutcome({ ok: false, handler: 'h', error: describeError(err) }, target).toString()),
    ).toEqual({ id: 'c', err, isDisposed: true });
  });

  it('describes errors, RPC error objects and thrown values', () => {
    expect(describeError(new TypeError('x'))).toEqual({ name: 'TypeError', message: 'x' });
    expect(describeError({ statusCode: 400, message: ['a', 'b'] })).toEqual({
      name: 'RpcError',
      message: 'a; b',
      details: { statusCode: 400, message: ['a', 'b'] },
    });
    expect(describeError('nope')).toEqual({ name: 'Error', message: 'nope' });
  });

  it('drops what is not an outcome', () => {
    expect(decodeOutcome(Buffer.from('not json'))).toBeUndefined();
    expect(decodeOutcome(Buffer.from('{"x":1}'))).toBeUndefined();
  });
});
