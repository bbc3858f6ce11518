import { parseCliArgs } from './cli-args.js';
import { CliUsageError } from './cli-usage.error.js';

describe('parseCliArgs', () => {
  it('parses list with defaults', () => {
    expect(parseCliArgs(['dlq', 'list', '--queue', 'billing.A.b'])).toEqual({
      command: 'dlq',
      action: 'list',
      queue: 'billing.A.b',
      ids: [],
      all: false,
      json: false,
      exchange: 'events',
      limit: 50,
    });
  });

  it('accepts --flag=value, -q, repeated and comma-separated ids, --json and --exchange', () => {
    const cmd = parseCliArgs([
      'dlq',
      'replay',
      '-q',
      'q.dlq',
      '--id=a,b',
      '--id',
      'c',
      '--json',
      '--exchange',
      'ev2',
    ]);
    expect(cmd).toMatchObject({
      action: 'replay',
      queue: 'q.dlq',
      ids: ['a', 'b', 'c'],
      json: true,
      exchange: 'ev2',
    });
  });

  it('takes the exchange from EVENTS_EXCHANGE when not given', () => {
    expect(
      parseCliArgs(['dlq', 'purge', '--queue', 'q', '--all'], { EVENTS_EXCHANGE: 'orders' }),
    ).toMatchObject({ exchange: 'orders', all: true });
  });

  it('returns help for no arguments, help, --help and -h', () => {
    for (const argv of [[], ['help'], ['dlq', '--help'], ['-h']])
      expect(parseCliArgs(argv)).toEqual({ command: 'help' });
  });

  it.each([
    [['list'], /unknown command "list"/],
    [['dlq'], /missing action/],
    [['dlq', 'drop', '--queue', 'q'], /unknown action "drop"/],
    [['dlq', 'list'], /--queue or --service is required/],
    [['dlq', 'show', '--id', 'a'], /--queue is required/],
    [['dlq', 'list', '--queue', 'a', '--service', 'b'], /either --queue or --service/],
    [['dlq', 'list', '--queue'], /--queue needs a value/],
    [['dlq', 'list', '--queue', '--json'], /--queue needs a value/],
    [['dlq', 'list', '--queue', 'a', '--queue', 'b'], /more than once/],
    [['dlq', 'show', '--queue', 'q'], /show needs --id/],
    [['dlq', 'replay', '--queue', 'q'], /replay needs --id <id> or --all/],
    [['dlq', 'purge', '--queue', 'q'], /purge needs --id <id> or --all/],
    [['dlq', 'replay', '--queue', 'q', '--id', 'a', '--all'], /either --id or --all/],
    [['dlq', 'list', '--queue', 'q', '--all'], /list takes no --id or --all/],
    [['dlq', 'list', '--queue', 'q', '--limit', '0'], /--limit must be a positive integer/],
    [['dlq', 'list', '--queue', 'q', '--verbose'], /unknown option --verbose/],
    [['dlq', 'list', 'extra', '--queue', 'q'], /unexpected argument "extra"/],
  ])('rejects %j with a clear usage error', (argv, message) => {
    expect(() => parseCliArgs(argv as string[])).toThrow(CliUsageError);
    expect(() => parseCliArgs(argv as string[])).toThrow(message as RegExp);
  });
});
