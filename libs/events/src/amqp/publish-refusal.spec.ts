import {
  PERMANENT_CLOSE_CODES,
  channelCloseOf,
  refusedExchange,
  refusedPublishes,
  refusedTopic,
} from './publish-refusal.js';

describe('publish refusals (channel.close of the broker)', () => {
  const close = (code: number, text: string) =>
    channelCloseOf(
      Object.assign(new Error(`Channel closed by server: ${code} (X) with message "${text}"`), { code }),
    )!;

  it('treats 403, 404 and 406 as permanent', () => {
    expect([...PERMANENT_CLOSE_CODES].sort()).toEqual([403, 404, 406]);
    expect(channelCloseOf(new Error('no code'))).toBeUndefined();
  });

  it('names the exchange of a write refusal and of a missing exchange', () => {
    expect(
      refusedExchange(
        close(403, "ACCESS_REFUSED - access to exchange 'audit' in vhost 'shop' refused for user 'billing'"),
      ),
    ).toBe('audit');
    expect(refusedExchange(close(404, "NOT_FOUND - no exchange 'nowhere' in vhost '/'"))).toBe('nowhere');
    expect(refusedTopic(close(404, "NOT_FOUND - no exchange 'nowhere' in vhost '/'"))).toBeUndefined();
  });

  it('names the routing key of a topic-permission refusal', () => {
    const c = close(
      403,
      "ACCESS_REFUSED - access to topic 'Secret.leaked' in exchange 'events' in vhost 'shop' refused for user 'billing'",
    );
    expect(refusedTopic(c)).toBe('Secret.leaked');
    expect(refusedExchange(c)).toBe('events');
  });

  it('picks the refused publishes: that routing key on that exchange, else the oldest', () => {
    const sent = [
      { exchange: 'events', routingKey: 'Order.created' },
      { exchange: 'events', routingKey: 'Secret.leaked' },
      { exchange: 'other', routingKey: 'Secret.leaked' },
    ];
    const topic = close(
      403,
      "ACCESS_REFUSED - access to topic 'Secret.leaked' in exchange 'events' in vhost 'shop' refused for user 'billing'",
    );
    expect(refusedPublishes(topic, sent)).toEqual([sent[1]]);
    const missing = close(404, "NOT_FOUND - no exchange 'events' in vhost '/'");
    expect(refusedPublishes(missing, sent)).toEqual([sent[0], sent[1]]);
    const unnamed = close(
      406,
      "PRECONDITION_FAILED - user_id property set to 'admin' but authenticated user was 'billing'",
    );
    expect(refusedPublishes(unnamed, sent)).toEqual([sent[0]]);
  });

  it('names nothing for a userId mismatch (406 without an object)', () => {
    const c = close(
      406,
      "PRECONDITION_FAILED - user_id property set to 'admin' but authenticated user was 'billing'",
    );
    expect(refusedExchange(c)).toBeUndefined();
    expect(refusedTopic(c)).toBeUndefined();
  });
});
