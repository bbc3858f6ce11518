import { BadRequestException, NotFoundException } from '@nestjs/common';
import { RpcException } from '@nestjs/microservices';
import { HEADERS } from '../constants.js';
import type { InboundMessage } from '../transport/events-transport.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';
import { fromNestRmqFormat } from './nest-rmq-format.js';
import { describeRpcError, isPermanentRpcError, toProcessorError } from './rpc-error.js';

function message(body: unknown, properties: Record<string, unknown> = {}): InboundMessage {
  return {
    content: Buffer.from(JSON.stringify(body)),
    redelivered: false,
    exchange: 'events',
    routingKey: 'x',
    properties: { headers: {}, ...properties },
  };
}

describe("Nest's RMQ message format", () => {
  it('turns a { pattern, data } event into an envelope of type pattern', () => {
    const out = fromNestRmqFormat(message({ pattern: 'Order.created', data: { id: 1 } }));
    expect(out.properties.type).toBe('Order.created');
    expect(JSON.parse(out.content.toString())).toEqual({ id: 1 });
    expect(typeof out.properties.messageId).toBe('string');
    expect(out.properties.headers?.[HEADERS.replyTo]).toBeUndefined();
    expect(out.routingKey).toBe('x');
  });

  it('gives a request the reply headers of the Nest reply format', () => {
    const out = fromNestRmqFormat(
      message(
        { pattern: 'Sum', data: [1, 2], id: 'req-1' },
        { replyTo: 'amq.rabbitmq.reply-to.abc', correlationId: 'corr-1' },
      ),
    );
    expect(out.properties.headers).toMatchObject({
      [HEADERS.replyTo]: 'amq.rabbitmq.reply-to.abc',
      [HEADERS.replyCorrelationId]: 'corr-1',
      [HEADERS.replyWithResult]: true,
      [HEADERS.replyFormat]: 'nest',
    });
    expect(out.properties.messageId).toBe('req-1');
  });

  it("leaves this library's envelopes and non-Nest bodies alone", () => {
    const own = message({ pattern: 'x', data: 1 }, { type: 'Order.created' });
    expect(fromNestRmqFormat(own)).toBe(own);
    const other = message({ id: 1 });
    expect(fromNestRmqFormat(other)).toBe(other);
    const notJson = { ...message(null), content: Buffer.from('not json') };
    expect(fromNestRmqFormat(notJson)).toBe(notJson);
  });
});

describe('RPC error classification', () => {
  it('treats 4xx, retryable: false and NonRetryableError as permanent, the rest as retryable', () => {
    expect(isPermanentRpcError(new BadRequestException(['a must be a string']))).toBe(true);
    expect(isPermanentRpcError(new RpcException({ statusCode: 404, message: 'gone' }))).toBe(true);
    expect(isPermanentRpcError({ status: 422 })).toBe(true);
    expect(isPermanentRpcError({ retryable: false })).toBe(true);
    expect(isPermanentRpcError(new NonRetryableError('no'))).toBe(true);
    expect(isPermanentRpcError({ status: 'error', message: 'Internal server error' })).toBe(false);
    expect(isPermanentRpcError(new RpcException('Forbidden resource'))).toBe(false);
    expect(isPermanentRpcError(new Error('db down'))).toBe(false);
  });

  it('gives the processor an Error it can decide on, named after the original', () => {
    const fromObject = toProcessorError({ statusCode: 400, message: ['x must be an integer'] });
    expect(fromObject).toBeInstanceOf(NonRetryableError);
    expect(fromObject.message).toContain('x must be an integer');
    const http = toProcessorError(new NotFoundException('no invoice'));
    expect(http).toBeInstanceOf(NonRetryableError);
    expect(http.name).toBe('NotFoundException');
    const plain = new Error('db down');
    expect(toProcessorError(plain)).toBe(plain);
    expect(toProcessorError({ status: 'error', message: 'Internal server error' })).not.toBeInstanceOf(
      NonRetryableError,
    );
  });

  it('appends validation messages to the error message', () => {
    expect(
      describeRpcError(new BadRequestException(['a must be a string', 'b must be positive'])).message,
    ).toBe('Bad Request Exception: a must be a string; b must be positive');
    expect(describeRpcError(new RpcException('plain')).name).toBe('RpcException');
  });
});
