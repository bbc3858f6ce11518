import type { CliCommandModule, CliIo } from './cli-command.js';
import { runCli } from './cli.dispatcher.js';
import { CliUsageError } from './cli-usage.error.js';
import { COMMANDS } from './commands.js';

function io(): CliIo & { out: string; err: string } {
  const o = { out: '', err: '', env: {} } as CliIo & { out: string; err: string };
  o.stdout = (t) => (o.out += t);
  o.stderr = (t) => (o.err += t);
  return o;
}

const echo: CliCommandModule = {
  name: 'echo',
  summary: 'prints its arguments',
  usage: 'Usage: echo <words>',
  async run(argv, { stdout }) {
    if (argv.length === 0) throw new CliUsageError('nothing to echo');
    stdout(argv.join(' '));
    return 0;
  },
};

describe('runCli', () => {
  it('prints the usage listing every command and exits 2 when no command is given', async () => {
    const o = io();
    expect(await runCli([], o)).toBe(2);
    expect(o.out).toBe('');
    expect(o.err).toContain('Usage: nestjs-amqp-events <command>');
    for (const c of COMMANDS) expect(o.err).toContain(`  ${c.name}`);
  });

  it('prints the usage and exits 0 for --help', async () => {
    const o = io();
    expect(await runCli(['--help'], o)).toBe(0);
    expect(o.out).toContain('dlq');
    expect(o.out).toContain('topology');
  });

  it('names an unknown command and exits 2', async () => {
    const o = io();
    expect(await runCli(['dlx'], o)).toBe(2);
    expect(o.err).toContain('unknown command "dlx"');
  });

  it('dispatches to a plugged-in command and turns its usage errors into exit code 2 with its usage', async () => {
    const ok = io();
    expect(await runCli(['echo', 'a', 'b'], ok, [echo])).toBe(0);
    expect(ok.out).toBe('a b');
    const bad = io();
    expect(await runCli(['echo'], bad, [echo])).toBe(2);
    expect(bad.err).toBe('error: nothing to echo\n\nUsage: echo <words>\n');
  });

  it('refuses topology delete without --exchange, and without --yes when it cannot ask', async () => {
    const o = io();
    expect(await runCli(['topology', 'delete'], o)).toBe(2);
    expect(o.err).toContain('needs --exchange');
    const p = io();
    expect(await runCli(['topology', 'describe', '--bogus'], p)).toBe(2);
    expect(p.err).toContain('unknown option --bogus');
  });

  it('rejects dlq replay without --queue, and list without --queue or --service', async () => {
    const o = io();
    expect(await runCli(['dlq', 'list'], o)).toBe(2);
    expect(o.err).toContain('--queue or --service is required');
    const p = io();
    expect(await runCli(['dlq', 'replay', '--service', 'billing', '--all'], p)).toBe(2);
    expect(p.err).toContain('--queue is required');
  });
});
