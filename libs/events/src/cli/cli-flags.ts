import { CliUsageError } from './cli-usage.error.js';

export interface FlagSpec {
  /** Flags that take a value (`--queue q` or `--queue=q`), may repeat. */
  values: readonly string[];
  /** Flags without a value. */
  booleans: readonly string[];
  /** Short forms: `{ '-q': '--queue' }`. */
  aliases?: Readonly<Record<string, string>>;
}

export interface ParsedFlags {
  positional: string[];
  values: Map<string, string[]>;
  booleans: Set<string>;
}

/** Parses flags and positional arguments; throws CliUsageError naming an unknown flag or a missing value. */
export function parseFlags(argv: string[], spec: FlagSpec): ParsedFlags {
  const parsed: ParsedFlags = { positional: [], values: new Map(), booleans: new Set() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const raw = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = spec.aliases?.[raw] ?? raw;
    if (spec.booleans.includes(flag)) parsed.booleans.add(flag);
    else if (spec.values.includes(flag)) {
      const value = eq > 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '' || (eq < 0 && value.startsWith('-')))
        throw new CliUsageError(`${raw} needs a value`);
      parsed.values.set(flag, [...(parsed.values.get(flag) ?? []), value]);
    } else if (arg.startsWith('-')) throw new CliUsageError(`unknown option ${arg}`);
    else parsed.positional.push(arg);
  }
  return parsed;
}

/** The one value of `flag`, or undefined; throws when it was given more than once. */
export function singleValue(parsed: ParsedFlags, flag: string): string | undefined {
  const v = parsed.values.get(flag);
  if (v && v.length > 1) throw new CliUsageError(`${flag} given more than once`);
  return v?.[0];
}
