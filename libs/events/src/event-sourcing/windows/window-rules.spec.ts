import {
  NO_MARK,
  clockWatermark,
  foldEvents,
  msUntilNextClose,
  windowEventId,
  windowStart,
  type FoldInput,
} from './window-rules.js';
import { resolveWindowedAggregation } from './windowed-aggregation.decorator.js';

const ev = (time: number, key = 'eu', value = 1): FoldInput => ({ time, counted: { key, value } });

describe('window rules', () => {
  it('aligns tumbling windows to the epoch', () => {
    expect(windowStart(0, 1000)).toBe(0);
    expect(windowStart(999, 1000)).toBe(0);
    expect(windowStart(1000, 1000)).toBe(1000);
    expect(windowStart(61_234, 60_000)).toBe(60_000);
  });

  it('counts and sums per key and window, and moves the watermark to the latest time minus the lateness', () => {
    const { mark, deltas } = foldEvents(
      [ev(100, 'eu', 5), ev(200, 'us', 7), ev(900, 'eu', 1), ev(1100, 'eu', 2)],
      NO_MARK,
      1000,
      50,
    );
    expect(mark).toEqual({ maxEventTime: 1100, watermark: 1050 });
    expect(deltas).toEqual([
      { key: 'eu', start: 0, end: 1000, count: 2, sum: 6, lateCount: 0, lateSum: 0 },
      { key: 'us', start: 0, end: 1000, count: 1, sum: 7, lateCount: 0, lateSum: 0 },
      { key: 'eu', start: 1000, end: 2000, count: 1, sum: 2, lateCount: 0, lateSum: 0 },
    ]);
  });

  it('counts an event whose window ended at or before the watermark as late, apart from the on-time figures', () => {
    const { deltas } = foldEvents([ev(500), ev(2000), ev(999, 'eu', 3), ev(1980)], NO_MARK, 1000, 1000);
    // watermark 1000 after the event at 2000: window [0, 1000) is closed for the event at 999
    expect(deltas[0]).toEqual({ key: 'eu', start: 0, end: 1000, count: 1, sum: 1, lateCount: 1, lateSum: 3 });
    expect(deltas[1]).toMatchObject({ start: 2000, count: 1 });
    expect(deltas[2]).toMatchObject({ start: 1000, count: 1, lateCount: 0 });
  });

  it('moves the watermark with events that are not counted, and never back', () => {
    const { mark } = foldEvents(
      [{ time: 5000 }, { time: 4000 }],
      { watermark: 1, maxEventTime: 1 },
      1000,
      100,
    );
    expect(mark).toEqual({ maxEventTime: 5000, watermark: 4900 });
    expect(foldEvents([{ time: 10 }], mark, 1000, 100).mark).toEqual(mark);
  });

  it('gives the same windows whatever the batch boundaries', () => {
    const events = Array.from({ length: 200 }, (_, i) => ev(i * 37 + ((i * 7919) % 300), `k${i % 3}`, i));
    const whole = foldEvents(events, NO_MARK, 500, 120);
    let mark = NO_MARK;
    const parts = new Map<string, { count: number; sum: number; lateCount: number }>();
    for (let i = 0; i < events.length; i += 17) {
      const r = foldEvents(events.slice(i, i + 17), mark, 500, 120);
      mark = r.mark;
      for (const d of r.deltas) {
        const p = parts.get(`${d.key}@${d.start}`) ?? { count: 0, sum: 0, lateCount: 0 };
        parts.set(`${d.key}@${d.start}`, {
          count: p.count + d.count,
          sum: p.sum + d.sum,
          lateCount: p.lateCount + d.lateCount,
        });
      }
    }
    expect(mark).toEqual(whole.mark);
    for (const d of whole.deltas)
      expect(parts.get(`${d.key}@${d.start}`)).toEqual({
        count: d.count,
        sum: d.sum,
        lateCount: d.lateCount,
      });
    expect(whole.deltas.some((d) => d.lateCount > 0)).toBe(true);
  });

  it('lets a caught-up projector move the watermark by its clock, and says when the next window is due', () => {
    expect(clockWatermark({ watermark: 100, maxEventTime: 200 }, 5000, 1000)).toBe(4000);
    expect(clockWatermark({ watermark: 4500, maxEventTime: 4600 }, 5000, 1000)).toBe(4500);
    expect(msUntilNextClose(-Infinity, 5000, 1000, 0)).toBe(0);
    // watermark 4500: the window [4000, 5000) closes when the clock reaches 5000 + lateness 200
    expect(msUntilNextClose(4500, 5100, 1000, 200)).toBe(100);
    expect(msUntilNextClose(5000, 5100, 1000, 200)).toBe(1100);
  });

  it('derives one UUID per (aggregation, key, window start)', () => {
    const id = windowEventId('orders', 'eu', 60_000);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(windowEventId('orders', 'eu', 60_000)).toBe(id);
    expect(windowEventId('orders', 'eu', 120_000)).not.toBe(id);
    expect(windowEventId('orders', 'us', 60_000)).not.toBe(id);
  });
});

describe('@WindowedAggregation options', () => {
  const base = { name: 'orders', source: 'Order.created', windowMs: 60_000 };

  it('applies defaults', () => {
    const def = resolveWindowedAggregation(base);
    expect(def).toMatchObject({
      name: 'orders',
      patterns: ['Order.created'],
      windowMs: 60_000,
      allowedLatenessMs: 0,
    });
    expect(def.key({}, {} as never)).toBe('*');
    expect(def.value).toBeUndefined();
  });

  it.each([
    [{ ...base, name: 'a b' }, /\.name": must match/],
    [{ ...base, source: [] }, /\.source": must be an event type pattern/],
    [{ ...base, source: 'Order..x' }, /\.source": "Order..x" must be dot-separated/],
    [{ ...base, windowMs: 50 }, /\.windowMs": must be an integer from 100/],
    [{ ...base, allowedLatenessMs: -1 }, /\.allowedLatenessMs": must be an integer from 0/],
    [{ ...base, key: 'region' }, /\.key": must be a function/],
    [{ ...base, emit: 'Orders.*' }, /\.emit": must be dot-separated/],
    [{ ...base, windowSize: 5 }, /\.windowSize": unknown option; known: name, source/],
  ])('refuses %j naming the option', (options, message) => {
    expect(() => resolveWindowedAggregation(options as never)).toThrow(message);
  });
});
