import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, type FlagValues } from './command.js';

/**
 * The one flag parser of the command line. `parseCommandLine` runs node:util parseArgs (strict:
 * an unknown flag or a missing value is a usage error); the readers below turn its strings into
 * numbers, lists and durations with one grammar each, and name the flag in every error. A value
 * that does not fit is an error, never a default: `--peek abc` is not 0.
 */

export type { FlagValues };

export interface ParsedCommandLine {
  readonly values: FlagValues;
  readonly positionals: string[];
}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The one wording of a command-line mistake, the same for every command: parseArgs' tokens
 * (read leniently) are checked here, so no command prints parseArgs' own messages.
 */
function checkTokens(options: Options, args: readonly string[], allowPositionals: boolean): void {
  const { tokens } = parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true });
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (!allowPositionals)
        throw new UsageError(`unexpected argument "${token.value}": this command takes flags only`);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
    if (!spec) throw new UsageError(`unknown flag ${token.rawName}`);
    if (spec.type === 'boolean') {
      if (token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
    } else if (token.value === undefined) {
      throw new UsageError(`${token.rawName} needs a value`);
    } else if (!token.inlineValue && token.value.length > 1 && token.value.startsWith('-')) {
      // A lone "-" is a value (standard input for --file), as parseArgs reads it.
      throw new UsageError(
        `${token.rawName} needs a value, not the flag "${token.value}" (write ${token.rawName}=${token.value} if that is the value)`,
      );
    }
  }
}

/** Parses `args` against a command's options; every mistake is a `UsageError` (exit 2) worded by checkTokens. */
export function parseCommandLine(
  options: Options,
  args: readonly string[],
  allowPositionals = false,
): ParsedCommandLine {
  checkTokens(options, args, allowPositionals);
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals, strict: true });
    return { values: parsed.values as FlagValues, positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** What a numeric flag accepts. Numbers are plain decimals: no sign, exponent, hex or spaces. */
export interface NumberSpec {
  /** Whole numbers only. */
  readonly integer?: boolean;
  /** Smallest value allowed (default 0). */
  readonly min?: number;
  readonly max?: number;
  /** Above zero (for a fractional number; an integer uses `min: 1`). */
  readonly positive?: boolean;
}

/** A count: a whole number, at least 1. */
export const COUNT: NumberSpec = { integer: true, min: 1 };
/** A whole number, 0 allowed. */
export const WHOLE: NumberSpec = { integer: true, min: 0 };

const INTEGER = /^\d+$/;
const DECIMAL = /^\d+(?:\.\d+)?$/;

/** The number `text` spells under `spec`, or null when it does not fit. */
export function parseNumber(text: string, spec: NumberSpec = {}): number | null {
  if (!(spec.integer ? INTEGER : DECIMAL).test(text)) return null;
  const n = Number(text);
  if (
    !Number.isFinite(n) ||
    n < (spec.min ?? 0) ||
    (spec.max !== undefined && n > spec.max) ||
    (spec.positive && n <= 0)
  )
    return null;
  return n;
}

function describe(spec: NumberSpec): string {
  const kind = spec.integer ? 'whole number' : 'number';
  if (spec.max !== undefined) return `${spec.integer ? 'an integer' : 'a number'} from ${spec.min ?? 0} to ${spec.max}`;
  if (spec.positive) return `a positive ${kind}`;
  return `a ${kind}, at least ${spec.min ?? 0}`;
}

/** A single string flag (parseArgs gives a string for `type: 'string'`). */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** A numeric flag; `fallback` when it is absent. */
export function numberFlag(values: FlagValues, name: string, fallback: number, spec: NumberSpec = {}): number {
  return optionalNumberFlag(values, name, spec) ?? fallback;
}

/** A numeric flag, or undefined when it is absent. */
export function optionalNumberFlag(values: FlagValues, name: string, spec: NumberSpec = {}): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const n = parseNumber(text, spec);
  if (n === null) throw new UsageError(`--${name} must be ${describe(spec)} (got "${text}")`);
  return n;
}

/** A repeatable flag whose values may also be comma-separated: `--x a,b --x c` is [a, b, c]. */
export function listFlag(values: FlagValues, name: string): string[] {
  const v = values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v])
    .flatMap((s) => String(s).split(','))
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A repeatable flag of whole numbers (feed ids): `label` names the flag and what it holds. */
export function idListFlag(values: FlagValues, name: string, what: string): number[] {
  return listFlag(values, name).map((id) => {
    const n = parseNumber(id, { integer: true });
    if (n === null) throw new UsageError(`--${name} "${id}" is not ${what}`);
    return n;
  });
}

const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** `10m`, `30s`, `1h`, `500ms`, `0` (seconds when no unit): a duration in ms. */
export function parseDuration(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} "${text}" is not a duration (e.g. 10m, 30s, 1h, 0)`);
  return Math.round(Number(m[1]) * UNITS[(m[2] ?? 's') as keyof typeof UNITS]);
}

/** A duration flag; `fallbackMs` when it is absent. */
export function durationFlag(values: FlagValues, name: string, fallbackMs: number): number {
  const text = stringFlag(values, name);
  return text === undefined ? fallbackMs : parseDuration(text, `--${name}`);
}
