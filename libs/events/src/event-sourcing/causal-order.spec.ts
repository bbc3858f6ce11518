import { causalOrder } from './causal-order.js';
import type { StoredEvent } from './event-store.types.js';

function ev(id: string, position: number, causationId?: string): StoredEvent {
  return {
    id,
    position,
    causationId,
    streamId: 's',
    version: position,
    type: `T.${id}`,
    schemaVersion: 1,
    data: {},
    metadata: { correlationId: 'c', causationId },
    recordedAt: new Date(0),
  } as StoredEvent;
}

describe('causalOrder', () => {
  it('puts every event after its cause, depth-first, siblings by position, with depths', () => {
    // root → a, b ; a → a1 ; positions interleaved on purpose
    const events = [ev('b', 3, 'root'), ev('a1', 4, 'a'), ev('root', 1), ev('a', 2, 'root')];
    expect(causalOrder(events).map((e) => `${e.id}@${e.depth}`)).toEqual(['root@0', 'a@1', 'a1@2', 'b@1']);
  });

  it('treats events whose cause is missing as roots and survives a causation cycle', () => {
    expect(causalOrder([ev('x', 2, 'gone'), ev('y', 1)]).map((e) => e.id)).toEqual(['y', 'x']);
    expect(
      causalOrder([ev('p', 1, 'q'), ev('q', 2, 'p')])
        .map((e) => e.id)
        .sort(),
    ).toEqual(['p', 'q']);
  });
});
