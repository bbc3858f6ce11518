import { busExchangeOf } from './dead-letter-ops.js';

describe('busExchangeOf', () => {
  it('keeps the exchange a letter was published to', () => {
    expect(busExchangeOf('shop.events')).toBe('shop.events');
    expect(busExchangeOf(Buffer.from('events'))).toBe('events');
  });

  it('maps the library exchanges a retried or delayed copy came through back to the bus exchange', () => {
    expect(busExchangeOf('shop.events.retry')).toBe('shop.events');
    expect(busExchangeOf('shop.events.delay.out')).toBe('shop.events');
    expect(busExchangeOf('shop.events.delay.07')).toBe('shop.events');
    expect(busExchangeOf('shop.events.delay.q07')).toBe('shop.events'); // quorum delay levels
    expect(busExchangeOf('shop.events.unrouted')).toBe('shop.events');
  });

  it('is undefined without a usable header', () => {
    expect(busExchangeOf(undefined)).toBeUndefined();
    expect(busExchangeOf('')).toBeUndefined();
    expect(busExchangeOf(42)).toBeUndefined();
  });
});
