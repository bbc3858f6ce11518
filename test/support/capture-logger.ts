import type { LoggerService } from '@nestjs/common';

export interface CapturedLog {
  level: 'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal';
  text: string;
  /** Date.now() when it was logged. */
  at: number;
}

/** A Nest LoggerService that keeps every line (message and extra params, stacks included) for assertions. */
export class CaptureLogger implements LoggerService {
  readonly lines: CapturedLog[] = [];

  log(message: unknown, ...rest: unknown[]): void {
    this.add('log', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.add('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.add('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.add('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.add('verbose', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.add('fatal', message, rest);
  }

  /** Everything logged, one line per call. */
  text(): string {
    return this.lines.map((l) => `[${l.level}] ${l.text}`).join('\n');
  }

  private add(level: CapturedLog['level'], message: unknown, rest: unknown[]): void {
    const parts = [message, ...rest].map((p) =>
      p instanceof Error ? `${p.message}\n${p.stack ?? ''}` : typeof p === 'string' ? p : safeJson(p),
    );
    this.lines.push({ level, text: parts.join(' '), at: Date.now() });
    if (process.env.TEST_LOGS) process.stdout.write(`[${level}] ${parts.join(' ')}\n`);
  }
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
