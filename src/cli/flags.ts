/**
 * Flags of the CLI's commands: one table per command gives each flag's name, value and
 * description, and serves both the parser and the command's `--help`. Wrong flags are usage
 * errors ({@link CliUsageError}, exit status 2) with a stable code and facts, in our own words.
 */
import { parseArgs } from 'node:util';

/** Exit status: the command did what was asked. */
export const EXIT_OK = 0;
/** Exit status: the command ran and something failed (a check, a batch, a missing file). */
export const EXIT_FAILED = 1;
/** Exit status: the command line was wrong; nothing ran. */
export const EXIT_USAGE = 2;

/** Stable codes of usage errors. */
export const UsageCode = {
  UNKNOWN_COMMAND: 'LEAN_WORKER_USAGE_UNKNOWN_COMMAND',
  UNKNOWN_FLAG: 'LEAN_WORKER_USAGE_UNKNOWN_FLAG',
  MISSING_VALUE: 'LEAN_WORKER_USAGE_MISSING_VALUE',
  UNEXPECTED_VALUE: 'LEAN_WORKER_USAGE_UNEXPECTED_VALUE',
  BAD_VALUE: 'LEAN_WORKER_USAGE_BAD_VALUE',
  REPEATED_FLAG: 'LEAN_WORKER_USAGE_REPEATED_FLAG',
  UNEXPECTED_ARGUMENT: 'LEAN_WORKER_USAGE_UNEXPECTED_ARGUMENT',
  MISSING_ARGUMENT: 'LEAN_WORKER_USAGE_MISSING_ARGUMENT',
  CONFLICTING_FLAGS: 'LEAN_WORKER_USAGE_CONFLICTING_FLAGS',
} as const;
export type UsageCode = (typeof UsageCode)[keyof typeof UsageCode];

/** A wrong command line. */
export class CliUsageError extends Error {
  readonly code: UsageCode;
  readonly facts: Readonly<Record<string, unknown>>;
  constructor(code: UsageCode, message: string, facts: Record<string, unknown> = {}) {
    super(message);
    this.name = 'CliUsageError';
    this.code = code;
    this.facts = facts;
  }
}

/** One flag of a command. */
export interface FlagSpec {
  readonly name: string;
  readonly short?: string;
  /** The value's placeholder in `--help`; a flag without one is a switch. */
  readonly value?: string;
  readonly multiple?: boolean;
  /** The value may start with `-` (`--child-arg --lenient`). */
  readonly dashValue?: boolean;
  readonly description: string;
}

/** Parsed flags: switches as booleans, values as strings, repeatable values as lists. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

/** Parse `args` against `specs`; throws {@link CliUsageError}. */
export function parseFlags(
  args: readonly string[],
  specs: readonly FlagSpec[],
  maxPositionals = 0,
): { values: FlagValues; positionals: string[] } {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const options = Object.fromEntries(
    specs.map((s) => [
      s.name,
      { type: s.value === undefined ? 'boolean' : 'string', ...(s.short ? { short: s.short } : {}) } as const,
    ]),
  );
  const { tokens } = parseArgs({
    args: [...args],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const values: FlagValues = {};
  const rest: string[] = [];
  for (const token of tokens) {
    if (token.kind === 'positional') {
      if (rest.length >= maxPositionals) {
        throw new CliUsageError(
          UsageCode.UNEXPECTED_ARGUMENT,
          maxPositionals === 0
            ? `takes no arguments, got ${token.value}`
            : `unexpected argument ${token.value}`,
          { argument: token.value },
        );
      }
      rest.push(token.value);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = byName.get(token.name);
    if (spec === undefined) {
      throw new CliUsageError(UsageCode.UNKNOWN_FLAG, `unknown flag ${token.rawName}`, {
        flag: token.rawName,
      });
    }
    const flag = `--${spec.name}`;
    if (spec.value === undefined) {
      if (token.value !== undefined) {
        throw new CliUsageError(UsageCode.UNEXPECTED_VALUE, `${flag} takes no value`, { flag });
      }
      values[spec.name] = true;
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith('-') && !spec.dashValue)) {
      throw new CliUsageError(UsageCode.MISSING_VALUE, `${flag} needs a value: ${flag} ${spec.value}`, {
        flag,
      });
    }
    if (spec.multiple) {
      values[spec.name] = [...((values[spec.name] as string[] | undefined) ?? []), value];
    } else if (values[spec.name] !== undefined) {
      throw new CliUsageError(UsageCode.REPEATED_FLAG, `${flag} is given more than once`, { flag });
    } else {
      values[spec.name] = value;
    }
  }
  return { values, positionals: rest };
}

/** The value of a string flag. */
export const stringFlag = (values: FlagValues, name: string): string | undefined =>
  values[name] as string | undefined;

/** The values of a repeatable flag, in the order given. */
export const listFlag = (values: FlagValues, name: string): string[] =>
  (values[name] as string[] | undefined) ?? [];

/** A flag value refused: it `must` be something else. */
function badValue(
  flag: string,
  text: string,
  must: string,
  facts: Record<string, unknown> = {},
): CliUsageError {
  return new CliUsageError(UsageCode.BAD_VALUE, `--${flag} must be ${must}, got ${text}`, {
    flag: `--${flag}`,
    value: text,
    ...facts,
  });
}

/** A positive integer flag value (or environment fallback); `undefined` when absent. */
export function positiveInt(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n <= 0) {
    throw badValue(flag, text, 'a positive whole number');
  }
  return n;
}

/** A non-negative number flag value; `undefined` when absent. */
export function nonNegativeNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) {
    throw badValue(flag, text, 'a number of at least 0');
  }
  return n;
}

/** One of `choices`; `undefined` when absent. */
export function choice<T extends string>(
  flag: string,
  text: string | undefined,
  choices: readonly T[],
): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw badValue(flag, text, `one of ${choices.join(', ')}`, { choices });
  }
  return text as T;
}

/** A command's `--help`: usage line, what it does, its flags with descriptions, notes. */
export function formatHelp(help: {
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly notes?: readonly string[];
}): string {
  const left = (s: FlagSpec) =>
    `${s.short ? `-${s.short}, ` : ''}--${s.name}${s.value ? ` ${s.value}` : ''}${s.multiple ? ' ...' : ''}`;
  const width = Math.max(...help.flags.map((s) => left(s).length));
  const lines = [`usage: ${help.usage}`, '', help.summary, '', 'flags:'];
  for (const s of help.flags) lines.push(`  ${left(s).padEnd(width)}  ${s.description}`);
  if (help.notes && help.notes.length > 0) lines.push('', ...help.notes);
  return `${lines.join('\n')}\n`;
}

/** Report a usage error of `command` on stderr; resolves the exit status 2. */
export function reportUsage(
  stderr: { write(text: string): unknown },
  command: string,
  error: CliUsageError,
): number {
  stderr.write(`lean-worker ${command}: ${error.code}: ${error.message}\n`);
  stderr.write(`(see \`lean-worker ${command} --help\` for its flags)\n`);
  return EXIT_USAGE;
}

/** The `--help` switch every command takes. */
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', description: 'print this help and exit' };

/** Whether `--help` (or `-h`) was asked for: by the parsed flags, or anywhere when parsing failed. */
export function wantsHelp(args: readonly string[], values: FlagValues | null): boolean {
  return values === null ? args.includes('--help') || args.includes('-h') : values.help === true;
}

/** Where a command writes. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
}

/** A command's name, flags and `--help` text. */
export interface CommandLine {
  readonly name: string;
  readonly flags: readonly FlagSpec[];
  readonly help: string;
  /** Positional arguments it takes at most (default none). */
  readonly maxPositionals?: number;
}

/**
 * Parse `args` for `command` and hand the flags to `read`, which may refuse them with a
 * {@link CliUsageError} too. When `--help` is asked for the help is printed, and a usage error is
 * reported on stderr; either way the exit status comes back instead of `read`'s value.
 */
export function readCommandLine<T extends object>(
  command: CommandLine,
  args: readonly string[],
  io: CliIo,
  read: (values: FlagValues, positionals: string[]) => T,
): T | number {
  try {
    const { values, positionals } = parseFlags(args, command.flags, command.maxPositionals);
    if (values.help !== true) return read(values, positionals);
  } catch (error) {
    if (!(error instanceof CliUsageError)) throw error;
    if (!wantsHelp(args, null)) return reportUsage(io.stderr, command.name, error);
  }
  io.stdout.write(command.help);
  return EXIT_OK;
}
