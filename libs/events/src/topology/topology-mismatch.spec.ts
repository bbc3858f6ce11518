import {
  describeMismatch,
  migrationAdvice,
  parsePreconditionFailed,
  rootMismatch,
} from './topology-mismatch.js';

const wrap = (inner: string) =>
  `Operation failed: QueueDeclare; 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - ${inner}"`;

describe('topology mismatch messages', () => {
  it('parses "received the value ... but current is none"', () => {
    const m = parsePreconditionFailed(
      wrap(
        "inequivalent arg 'x-max-priority' for queue 'q.a' in vhost '/': received the value '10' of type 'byte' but current is none",
      ),
    );
    expect(m).toEqual({
      kind: 'queue',
      name: 'q.a',
      argument: 'x-max-priority',
      declared: '10',
      existing: undefined,
    });
    expect(describeMismatch(m!)).toBe(
      'queue "q.a" exists with x-max-priority not set, but this service declares x-max-priority=10',
    );
  });

  it('parses "received none but current is the value ..."', () => {
    const m = parsePreconditionFailed(
      wrap(
        "inequivalent arg 'x-queue-type' for queue 'q' in vhost '/': received none but current is the value 'quorum' of type 'longstr'",
      ),
    );
    expect(m).toMatchObject({ argument: 'x-queue-type', declared: undefined, existing: 'quorum' });
    expect(describeMismatch(m!)).toBe(
      'queue "q" exists with x-queue-type=quorum, but this service declares x-queue-type not set (a classic queue)',
    );
  });

  it("parses plain values and exchanges (\"received 'direct' but current is 'topic'\")", () => {
    const m = parsePreconditionFailed(
      wrap(
        "inequivalent arg 'type' for exchange 'events' in vhost 'prod': received 'direct' but current is 'topic'",
      ),
    );
    expect(m).toEqual({
      kind: 'exchange',
      name: 'events',
      argument: 'type',
      declared: 'direct',
      existing: 'topic',
    });
    expect(migrationAdvice(m, 'events')).toMatch(/use another `exchange` option/);
  });

  it('returns undefined for other broker messages, and still gives queue migration advice', () => {
    expect(parsePreconditionFailed('PRECONDITION_FAILED - unknown delivery tag 1')).toBeUndefined();
    const advice = migrationAdvice(undefined, 'billing.A.b');
    expect(advice).toContain('rabbitmqctl delete_queue billing.A.b');
    expect(advice).toContain('docs/operations.md#changing-queue-arguments');
  });

  it('tells how to keep an existing priority queue: maxPriority with its value, or none', () => {
    const older = parsePreconditionFailed(
      wrap(
        "inequivalent arg 'x-max-priority' for queue 'q' in vhost '/': received none but current is the value '10' of type 'byte'",
      ),
    );
    expect(migrationAdvice(older, 'q')).toContain('`maxPriority: 10` on this handler (or the module)');
    const newer = parsePreconditionFailed(
      wrap(
        "inequivalent arg 'x-max-priority' for queue 'q' in vhost '/': received the value '5' of type 'byte' but current is none",
      ),
    );
    expect(migrationAdvice(newer, 'q')).toContain('no `maxPriority` on this handler or the module');
  });
});

describe('rootMismatch', () => {
  const strategy = parsePreconditionFailed(
    "PRECONDITION_FAILED - inequivalent arg 'x-dead-letter-strategy' for queue 'billing.Q' in vhost '/': received none but current is the value 'at-least-once' of type 'longstr'",
  )!;

  it('names the queue type when a quorum queue is re-declared as classic (the broker reports a quorum-only argument first)', () => {
    const m = rootMismatch(strategy, { 'x-dead-letter-exchange': 'events.dlx' });
    expect(m).toMatchObject({ argument: 'x-queue-type', existing: 'quorum', declared: undefined });
    expect(describeMismatch(m)).toBe(
      'queue "billing.Q" exists with x-queue-type=quorum, but this service declares x-queue-type not set (a classic queue)',
    );
  });

  it('keeps the reported argument when this service declares a quorum queue too (an earlier version of its arguments)', () => {
    expect(rootMismatch(strategy, { 'x-queue-type': 'quorum' })).toBe(strategy);
  });

  it('keeps other arguments as reported', () => {
    const priority = parsePreconditionFailed(
      "PRECONDITION_FAILED - inequivalent arg 'x-max-priority' for queue 'billing.Q' in vhost '/': received none but current is the value '10' of type 'byte'",
    )!;
    expect(rootMismatch(priority, {})).toBe(priority);
  });
});
