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
  override readonly name = 'CliUsageError';
  constructor(
    readonly code: UsageCode,
    message: string,
    readonly facts: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
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
      const argument = token.value;
      if (rest.length >= maxPositionals) {
        const message =
          maxPositionals === 0 ? `takes no arguments, got ${argument}` : `unexpected argument ${argument}`;
        throw new CliUsageError(UsageCode.UNEXPECTED_ARGUMENT, message, { argument });
      }
      rest.push(argument);
      continue;
    }
    if (token.kind !== 'option') continue;
    const spec = byName.get(token.name);
    if (spec === undefined) {
      const flag = token.rawName;
      throw new CliUsageError(UsageCode.UNKNOWN_FLAG, `unknown flag ${flag}`, { flag });
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
      const message = `${flag} needs a value: ${flag} ${spec.value}`;
      throw new CliUsageError(UsageCode.MISSING_VALUE, message, { flag });
    }
    if (!spec.multiple && values[spec.name] !== undefined) {
      throw new CliUsageError(UsageCode.REPEATED_FLAG, `${flag} is given more than once`, { flag });
    }
    values[spec.name] = spec.multiple ? [...listFlag(values, spec.name), value] : value;
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
export function badValue(flag: string, text: string, must: string, facts: Record<string, unknown> = {}) {
  return new CliUsageError(UsageCode.BAD_VALUE, `--${flag} must be ${must}, got ${text}`, {
    flag: `--${flag}`,
    value: text,
    ...facts,
  });
}

/** A number flag value (or environment fallback) that passes `ok`; `undefined` when absent. */
function numberFlag(flag: string, text: string | undefined, ok: (n: number) => boolean, must: string) {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !ok(n)) throw badValue(flag, text, must);
  return n;
}

/** A positive integer flag value (or environment fallback); `undefined` when absent. */
export const positiveInt = (flag: string, text: string | undefined): number | undefined =>
  numberFlag(flag, text, (n) => Number.isSafeInteger(n) && n > 0, 'a positive whole number');

/** A non-negative number flag value; `undefined` when absent. */
export const nonNegativeNumber = (flag: string, text: string | undefined): number | undefined =>
  numberFlag(flag, text, (n) => Number.isFinite(n) && n >= 0, 'a number of at least 0');

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

/** What a command's `--help` says: usage line, what it does, its flags with descriptions, notes. */
interface HelpText {
  readonly usage: string;
  readonly summary: string;
  readonly flags: readonly FlagSpec[];
  readonly notes?: readonly string[];
  /** Positional arguments the command takes at most (default none). */
  readonly maxPositionals?: number;
}

/** A command's `--help`. */
export function formatHelp(help: HelpText): string {
  const left = (s: FlagSpec) =>
    `${s.short ? `-${s.short}, ` : ''}--${s.name}${s.value ? ` ${s.value}` : ''}${s.multiple ? ' ...' : ''}`;
  const width = Math.max(...help.flags.map((s) => left(s).length));
  const lines = [`usage: ${help.usage}`, '', help.summary, '', 'flags:'];
  for (const s of help.flags) lines.push(`  ${left(s).padEnd(width)}  ${s.description}`);
  if (help.notes && help.notes.length > 0) lines.push('', ...help.notes);
  return `${lines.join('\n')}\n`;
}

/** Report a usage error of `command` on stderr; resolves the exit status 2. */
export function reportUsage(stderr: CliIo['stderr'], command: string, error: CliUsageError): number {
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
export type CommandLine = ReturnType<typeof commandLine>;

/** The command line of `name`: its flags and {@link HELP_FLAG}, and the `--help` text of them. */
export function commandLine(name: string, help: HelpText) {
  const flags = [...help.flags, HELP_FLAG];
  return { name, flags, maxPositionals: help.maxPositionals, help: formatHelp({ ...help, flags }) };
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
