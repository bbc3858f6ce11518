import 'reflect-metadata';
import { CommandHandler, EventsHandler, QueryHandler, Saga } from '@nestjs/cqrs';
import {
  CQRS_COMMAND_HANDLER_METADATA,
  CQRS_EVENTS_HANDLER_METADATA,
  CQRS_QUERY_HANDLER_METADATA,
  CQRS_EVENT_METADATA,
  CQRS_SAGA_METADATA,
} from './cqrs-metadata.js';
import { IntegrationEvent, integrationEventOf } from './integration-event.decorator.js';
import { rebuildMessage } from './message-rebuild.js';
import { NonRetryableError } from '../errors/non-retryable.error.js';

describe('cqrs bridge metadata', () => {
  it('reads the keys @nestjs/cqrs writes (fails if a new version renames them)', () => {
    class Evt {}
    class Cmd {}
    class Qry {}
    @EventsHandler(Evt)
    class H {}
    @CommandHandler(Cmd)
    class C {}
    @QueryHandler(Qry)
    class Q {}
    class S {
      @Saga()
      s = () => undefined;
    }
    expect(Reflect.getMetadata(CQRS_EVENTS_HANDLER_METADATA, H)).toEqual([Evt]);
    expect(Reflect.getMetadata(CQRS_EVENT_METADATA, Evt)).toMatchObject({ id: expect.any(String) });
    expect(Reflect.getMetadata(CQRS_COMMAND_HANDLER_METADATA, C)).toBe(Cmd);
    expect(Reflect.getMetadata(CQRS_QUERY_HANDLER_METADATA, Q)).toBe(Qry);
    expect(Reflect.getMetadata(CQRS_SAGA_METADATA, S)).toEqual(['s']);
  });

  it('marks integration events by their own class only', () => {
    @IntegrationEvent('Spec.happened')
    class Happened {}
    class Sub extends Happened {}
    expect(integrationEventOf(new Happened())?.type).toBe('Spec.happened');
    expect(integrationEventOf(new Sub())).toBeUndefined();
    expect(integrationEventOf({})).toBeUndefined();
  });

  it('refuses a bad wire name and a type claimed by two classes', () => {
    expect(() => IntegrationEvent('bad type')).toThrow(/type/);
    @IntegrationEvent('Spec.twice')
    class First {}
    expect(First).toBeDefined();
    expect(() => {
      @IntegrationEvent('Spec.twice')
      class Second {}
      return Second;
    }).toThrow(/claimed by two classes/);
  });
});

describe('rebuildMessage', () => {
  class Shipped {
    constructor(readonly at: Date) {
      throw new Error('the constructor must not run');
    }
    describe() {
      return `shipped ${(this as unknown as { id: string }).id}`;
    }
  }

  it('builds an instance without running the constructor, keeping unknown fields and restoring dates', () => {
    const e = rebuildMessage(
      Shipped,
      {
        id: 's1',
        at: '2026-03-04T05:06:07.000Z',
        lines: [{ when: '2026-01-01T00:00:00.000Z' }],
        extra: true,
      },
      ['at', 'lines.when'],
      'T',
    );
    expect(e).toBeInstanceOf(Shipped);
    expect(e.describe()).toBe('shipped s1');
    expect(e.at).toEqual(new Date('2026-03-04T05:06:07.000Z'));
    expect((e as unknown as { lines: Array<{ when: Date }> }).lines[0].when).toEqual(
      new Date('2026-01-01T00:00:00.000Z'),
    );
    expect((e as unknown as { extra: boolean }).extra).toBe(true);
  });

  it('refuses payloads that can never become the class (non-retryable)', () => {
    expect(() => rebuildMessage(Shipped, 'x', [], 'T')).toThrow(NonRetryableError);
    expect(() => rebuildMessage(Shipped, [1], [], 'T')).toThrow(NonRetryableError);
    expect(() => rebuildMessage(Shipped, { at: 'not a date' }, ['at'], 'T')).toThrow(NonRetryableError);
  });

  it('leaves absent or null date fields alone', () => {
    expect(rebuildMessage(Shipped, { at: null }, ['at', 'missing.deep'], 'T').at).toBeNull();
  });
});
