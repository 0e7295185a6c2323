/**
 * Flags of `lean-worker run`: the builder (project, package, library, imports, child, child kit),
 * the one export to run with its kind, the request (inline JSON or a file), the deadline, and the
 * output form. Wrong flags are usage errors ({@link CliUsageError}); a request file that is
 * missing or not JSON is an `INVALID_ARGUMENT` failure (`facts.kind: 'request_file'`), and so is
 * a `--child` that is not there to run (`facts.kind: 'child'`).
 */
import path from 'node:path';
import { executableProblem, isFile } from '../capability/child-locator.js';
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { nodeRuntime } from '../platform/node-runtime.js';
import {
  badValue,
  CliUsageError,
  choice,
  commandLine,
  type FlagSpec,
  type FlagValues,
  listFlag,
  positiveInt,
  stringFlag,
  UsageCode,
} from './flags.js';
import { parseInputJson, readInputText } from './input-file.js';

/** Largest request file read. @default 64 MiB */
export const MAX_REQUEST_FILE_BYTES = 64 * 1024 * 1024;

/** Package and library names of a child-kit builder when none are given (no Lake project is used). */
export const CHILD_KIT_NAMES = Object.freeze({ package: 'child-kit', lib: 'ChildKit' });

const FLAGS: readonly FlagSpec[] = [
  { name: 'export', value: 'NAME', description: 'the export to run (required); the builder declares it' },
  {
    name: 'kind',
    value: 'KIND',
    description: 'stream (a data stream: rows, default) or json (a JSON command)',
  },
  { name: 'request', value: 'JSON', dashValue: true, description: 'the request, as JSON text (default {})' },
  { name: 'request-file', value: 'PATH', description: 'the request, from a JSON file' },
  { name: 'project', value: 'DIR', description: 'Lake project root (default: the current directory)' },
  { name: 'package', value: 'NAME', description: 'Lake package of the capability (default: the --lib name)' },
  { name: 'lib', value: 'NAME', description: 'Lake library of the capability (required unless --child-kit)' },
  {
    name: 'import',
    value: 'MODULE',
    multiple: true,
    description: 'an import of the session (repeatable, in order)',
  },
  {
    name: 'child',
    value: 'PATH',
    description:
      'the worker child (a .js/.mjs/.cjs file runs under this Node; default: LEAN_RS_WORKER_CHILD or PATH)',
  },
  {
    name: 'child-arg',
    value: 'ARG',
    multiple: true,
    dashValue: true,
    description: 'an argument for the child (repeatable)',
  },
  {
    name: 'child-kit',
    description: 'the child is a JavaScript child-kit child: no Lake build, no Lean toolchain',
  },
  { name: 'skip-build', description: 'do not run lake build' },
  {
    name: 'timeout-ms',
    value: 'N',
    description: 'deadline of the command (default: the builder default, 30000)',
  },
  { name: 'json', description: 'print the summary as the last stdout line, {"summary": {...}}' },
];

/** `lean-worker run`'s flags and help. */
export const RUN_COMMAND = commandLine('run', {
  usage: 'lean-worker run --export NAME [--kind stream|json] [--request JSON | --request-file PATH] [flags]',
  summary:
    'Run one export of a capability on a pooled worker. A stream prints its rows as NDJSON on stdout,\n' +
    'one {"stream", "sequence", "payload"} object a line; a JSON command prints its response as one\n' +
    'line. The summary goes to stderr, or with --json as the last stdout line.',
  flags: FLAGS,
  notes: [
    'exit status: 0 success, 1 the command failed (its error code on stderr), 2 usage error, 130 interrupted',
  ],
});

/** Where the request comes from. */
export type RequestSource = { readonly json: unknown } | { readonly file: string };

/** The options of one run. */
export type RunOptions = ReturnType<typeof runOptionsOf>;

/** The child to run: a command and its arguments. */
type ChildCommand = { readonly command: string; readonly args: readonly string[] } | undefined;

function requestSource(values: FlagValues): RequestSource {
  const text = stringFlag(values, 'request');
  const file = stringFlag(values, 'request-file');
  if (text !== undefined && file !== undefined) {
    const message = 'give the request once: --request or --request-file';
    throw new CliUsageError(UsageCode.CONFLICTING_FLAGS, message, { flag: '--request' });
  }
  if (file !== undefined) return { file };
  if (text === undefined) return { json: {} };
  try {
    return { json: JSON.parse(text) };
  } catch {
    throw badValue('request', text, 'JSON text');
  }
}

function childOf(values: FlagValues): ChildCommand {
  const child = stringFlag(values, 'child');
  const args = listFlag(values, 'child-arg');
  if (child === undefined) {
    if (args.length > 0 || values['child-kit'] === true) {
      const flag = args.length > 0 ? '--child-arg' : '--child-kit';
      throw new CliUsageError(UsageCode.MISSING_ARGUMENT, `${flag} needs --child PATH`, { flag });
    }
    return undefined;
  }
  // A JavaScript child runs under this process's Node runtime, as `nodeWorker(child)` would run it.
  return /\.[cm]?js$/.test(child)
    ? { command: nodeRuntime().command, args: [path.resolve(child), ...args] }
    : { command: child, args };
}

/** The options of the parsed flags; throws {@link CliUsageError}. */
export function runOptionsOf(values: FlagValues) {
  const name = stringFlag(values, 'export');
  if (name === undefined || name.trim() === '') {
    const message = 'name the export to run: --export NAME';
    throw new CliUsageError(UsageCode.MISSING_ARGUMENT, message, { flag: '--export' });
  }
  const childKit = values['child-kit'] === true;
  const lib = stringFlag(values, 'lib') ?? (childKit ? CHILD_KIT_NAMES.lib : undefined);
  if (lib === undefined) {
    const message = 'name the Lake library of the capability: --lib NAME';
    throw new CliUsageError(UsageCode.MISSING_ARGUMENT, message, { flag: '--lib' });
  }
  return {
    export: name,
    kind: choice('kind', stringFlag(values, 'kind'), ['stream', 'json'] as const) ?? 'stream',
    request: requestSource(values),
    projectRoot: path.resolve(stringFlag(values, 'project') ?? '.'),
    package: stringFlag(values, 'package') ?? (childKit ? CHILD_KIT_NAMES.package : lib),
    lib,
    imports: listFlag(values, 'import'),
    child: childOf(values),
    childKit,
    skipBuild: values['skip-build'] === true,
    timeoutMs: positiveInt('timeout-ms', stringFlag(values, 'timeout-ms')),
    json: values.json === true,
  };
}

/** The request of a run: inline, or read from its file (INVALID_ARGUMENT when missing or not JSON). */
export async function readRequest(source: RequestSource): Promise<unknown> {
  if ('json' in source) return source.json;
  const text = await readInputText('request_file', source.file, MAX_REQUEST_FILE_BYTES);
  return parseInputJson('request_file', source.file, text);
}

/** A named child that cannot run: INVALID_ARGUMENT (`facts.kind: 'child'`), before any worker starts. */
export function checkChild(child: ChildCommand): void {
  if (child === undefined) return;
  const script = child.command === nodeRuntime().command ? child.args[0] : undefined;
  const file = script ?? child.command;
  // A bare command name is looked up on PATH when the worker starts.
  if (script === undefined && !file.includes(path.sep)) return;
  const problem = script !== undefined && isFile(script) ? null : executableProblem(file);
  if (problem !== null) {
    throw new InvalidArgumentError(ErrorCode.INVALID_ARGUMENT, `--child ${file}: ${problem}`, {
      facts: { kind: 'child', path: file, reason: problem },
    });
  }
}
