import { FanInTimeoutError } from '../errors/fan-in-timeout.error.js';
import { InvalidOptionsError } from '../errors/invalid-options.error.js';
import { FanIn } from './fan-in.registry.js';

describe('FanIn', () => {
  it('resolves with the first event of each type, in any order, ignoring other correlations and types', async () => {
    const fan = new FanIn();
    const wait = fan.waitForAll('c1', ['A', 'B'], { timeoutMs: 1000 });
    fan.notify({ type: 'B', correlationId: 'c1', id: 'b1', data: 1 });
    fan.notify({ type: 'A', correlationId: 'c2', id: 'a0', data: 0 });
    fan.notify({ type: 'C', correlationId: 'c1', id: 'c', data: 0 });
    fan.notify({ type: 'B', correlationId: 'c1', id: 'b2', data: 2 });
    fan.notify({ type: 'A', correlationId: 'c1', id: 'a1', data: 3 });
    const events = await wait;
    expect(events.A).toMatchObject({ id: 'a1', data: 3 });
    expect(events.B).toMatchObject({ id: 'b1', data: 1 });
    expect(fan.pending).toBe(0);
  });

  it('feeds several waits on one correlation id', async () => {
    const fan = new FanIn();
    const one = fan.waitForAll('c', ['A'], { timeoutMs: 1000 });
    const two = fan.waitForAll('c', ['A', 'B'], { timeoutMs: 1000 });
    fan.notify({ type: 'A', correlationId: 'c', id: '1', data: null });
    await expect(one).resolves.toHaveProperty('A');
    expect(fan.pending).toBe(1);
    fan.notify({ type: 'B', correlationId: 'c', id: '2', data: null });
    await expect(two).resolves.toHaveProperty('B');
  });

  it('rejects on timeout naming what arrived and what is missing, and keeps nothing', async () => {
    const fan = new FanIn();
    const wait = fan.waitForAll('c9', ['A', 'B', 'C'], { timeoutMs: 30 });
    fan.notify({ type: 'B', correlationId: 'c9', id: 'b', data: null });
    const err = await wait.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FanInTimeoutError);
    expect((err as FanInTimeoutError).message).toBe(
      'waitForAll("c9") timed out after 30 ms: arrived [B], missing [A, C]',
    );
    expect(fan.pending).toBe(0);
  });

  it('refuses bad arguments naming them', () => {
    const fan = new FanIn();
    expect(() => fan.waitForAll('', ['A'], { timeoutMs: 1 })).toThrow(InvalidOptionsError);
    expect(() => fan.waitForAll('c', [], { timeoutMs: 1 })).toThrow(/waitForAll.types/);
    expect(() => fan.waitForAll('c', ['A'], { timeoutMs: 0 })).toThrow(/waitForAll.timeoutMs/);
  });
});
