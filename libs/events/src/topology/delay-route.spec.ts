import { DELAY_LEVELS, HEADERS, MAX_DELAY_MS } from '../constants.js';
import { delayBitHeader, delayRoute, routedDelay } from './delay-route.js';
import { names } from './topology-names.js';

const X = 'events';
const DAY = 24 * 60 * 60 * 1000;

/** The levels a route passes through, read from its headers exactly as the headers exchanges would. */
function walk(route: ReturnType<typeof delayRoute>): number[] {
  const levels: number[] = [];
  const entry = Number(route.exchange.slice(`${X}.delay.`.length));
  for (let k = entry; k >= 0; k--) {
    const bit = route.headers[delayBitHeader(k)];
    expect(bit === '1' || bit === '0').toBe(true); // every level from the entry down has a routing header
    if (bit === '1') levels.push(k);
  }
  return levels;
}

function checkRoute(delay: number, target: 'publish' | 'retry' = 'retry'): void {
  const route = delayRoute(X, delay, target);
  const d = Math.ceil(delay);
  const top = Math.floor(Math.log2(d));
  expect(routedDelay(route)).toBe(d);
  expect(walk(route).reduce((s, k) => s + 2 ** k, 0)).toBe(d);
  expect(route.exchange).toBe(names.delayLevel(X, top));
  expect(route.headers[delayBitHeader(top)]).toBe('1');
  for (let k = top + 1; k < DELAY_LEVELS; k++) expect(route.headers[delayBitHeader(k)]).toBeUndefined();
  expect(route.headers[HEADERS.delayTarget]).toBe(target);
}

describe('delayRoute', () => {
  it.each([
    1,
    2,
    3,
    7,
    8,
    1000,
    1500,
    65_535,
    65_536,
    60_000,
    DAY,
    30 * DAY,
    2 ** 31,
    2 ** 31 - 1,
    MAX_DELAY_MS,
  ])('routes %d ms through levels summing to exactly that delay', (delay) => checkRoute(delay));

  it('rounds a fractional delay up, never down (never early)', () => {
    const route = delayRoute(X, 1000.2, 'publish');
    expect(routedDelay(route)).toBe(1001);
    expect(routedDelay(delayRoute(X, 0.3, 'publish'))).toBe(1);
    checkRoute(1499.01, 'publish');
  });

  it('enters at level 0 for 1 ms and at level 31 for the maximum', () => {
    expect(delayRoute(X, 1, 'publish').exchange).toBe(`${X}.delay.00`);
    expect(delayRoute(X, MAX_DELAY_MS, 'publish').exchange).toBe(`${X}.delay.31`);
  });

  it('sets each bit header explicitly: 1000 ms = 1111101000b enters level 9', () => {
    const route = delayRoute(X, 1000, 'retry');
    expect(route.exchange).toBe(`${X}.delay.09`);
    const bits = Array.from({ length: 10 }, (_, i) => route.headers[delayBitHeader(9 - i)]).join('');
    expect(bits).toBe('1111101000');
    expect(walk(route)).toEqual([9, 8, 7, 6, 5, 3]);
  });

  it('enters a power of two at its own level and passes every lower level', () => {
    const route = delayRoute(X, 65_536, 'publish');
    expect(route.exchange).toBe(`${X}.delay.16`);
    expect(walk(route)).toEqual([16]);
    for (let k = 0; k < 16; k++) expect(route.headers[delayBitHeader(k)]).toBe('0');
  });

  it('uses routing header names without the x- prefix (headers exchanges ignore x-* binding arguments)', () => {
    const route = delayRoute(X, MAX_DELAY_MS, 'retry');
    for (const name of Object.keys(route.headers)) expect(name.startsWith('x-')).toBe(false);
  });

  it('addresses the target given: publish (fan out again) or retry (one queue)', () => {
    expect(delayRoute(X, 5, 'publish').headers[HEADERS.delayTarget]).toBe('publish');
    expect(delayRoute(X, 5, 'retry').headers[HEADERS.delayTarget]).toBe('retry');
  });

  it('names levels after the exchange', () => {
    expect(delayRoute('shop.events', 3, 'retry').exchange).toBe('shop.events.delay.01');
  });

  it.each([
    0,
    -1,
    -1000,
    0.0,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    MAX_DELAY_MS + 1,
    2 ** 40,
  ])('rejects %p with a RangeError', (delay) => {
    expect(() => delayRoute(X, delay, 'publish')).toThrow(RangeError);
  });

  it('names the accepted range in the error', () => {
    expect(() => delayRoute(X, 0, 'publish')).toThrow(`delay must be from 1 to ${MAX_DELAY_MS} ms, got 0`);
  });

  it('covers at least 30 days', () => {
    expect(MAX_DELAY_MS).toBeGreaterThanOrEqual(30 * DAY);
  });

  it('routes 1,000 random delays (all magnitudes) to exactly their ceiling', () => {
    let seed = 0x2f6b_1a3d;
    const next = (): number => {
      // xorshift32: deterministic so a failure is reproducible
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let i = 0; i < 1000; i++) {
      const magnitude = Math.floor(next() * 32) + 1; // spread over every level, not just the large ones
      const delay = Math.max(1, next() * 2 ** magnitude);
      const capped = Math.min(delay, MAX_DELAY_MS);
      const route = delayRoute(X, capped, i % 2 === 0 ? 'publish' : 'retry');
      const d = Math.ceil(capped);
      if (routedDelay(route) !== d) throw new Error(`delay ${capped} routed as ${routedDelay(route)}`);
      if (route.exchange !== names.delayLevel(X, Math.floor(Math.log2(d))))
        throw new Error(`delay ${capped} enters at ${route.exchange}`);
    }
  });

  it('enters just below each power of two one level lower than the power itself', () => {
    for (let k = 1; k < DELAY_LEVELS; k++) {
      expect(delayRoute(X, 2 ** k - 1, 'publish').exchange).toBe(names.delayLevel(X, k - 1));
      expect(delayRoute(X, 2 ** k, 'publish').exchange).toBe(names.delayLevel(X, k));
      checkRoute(2 ** k - 1);
      checkRoute(2 ** k);
      if (2 ** k + 1 <= MAX_DELAY_MS) checkRoute(2 ** k + 1);
    }
  });
});

describe('delayBitHeader', () => {
  it('pads the level to two digits under the nae- prefix', () => {
    expect(delayBitHeader(0)).toBe('nae-delay-00');
    expect(delayBitHeader(7)).toBe('nae-delay-07');
    expect(delayBitHeader(31)).toBe('nae-delay-31');
  });
});

describe("delayRoute(..., 'quorum')", () => {
  it('enters the quorum family of levels, with the same delay bits as the classic family', () => {
    const classic = delayRoute(X, 1000, 'retry');
    const quorum = delayRoute(X, 1000, 'retry', 'quorum');
    expect(quorum.exchange).toBe(`${X}.delay.q09`);
    expect(quorum.exchange).toBe(names.delayLevel(X, 9, 'quorum'));
    expect(quorum.headers).toEqual(classic.headers);
    expect(routedDelay(quorum)).toBe(1000);
  });

  it('classic stays the default', () => {
    expect(delayRoute(X, 1, 'publish').exchange).toBe(`${X}.delay.00`);
    expect(delayRoute(X, 1, 'publish', 'classic').exchange).toBe(`${X}.delay.00`);
    expect(delayRoute(X, MAX_DELAY_MS, 'publish', 'quorum').exchange).toBe(`${X}.delay.q31`);
  });
});
