/**
 * `LeanReplBuilder`: workers that run the leanprover-community `repl`, keyed by the import header
 * of the snippets they check. `forSnippet(snippet)` names the worker a snippet needs: its pool
 * session key is the repl command plus the canonical import set of the snippet's header, so
 * snippets whose headers differ only in order, duplicates or comments share warm workers.
 */
import { z } from 'zod';
import { allowlistedParentEnv } from '../capability/child-env.js';
import { canonicalPath } from '../capability/session-key.js';
import { lazySchema, parseOptions } from '../parse-options.js';
import { restartPolicyClass, workerPolicySchema } from '../protocol/worker-policy.js';
import {
  DEFAULT_HEADER_PROBE,
  DEFAULT_REPL_RESPONSE_BYTES,
  type ResolvedWorker,
  type WorkerLaunchSpec,
} from '../protocol/worker-spec.js';
import { type ReplSnippetSplit, splitSnippet } from './snippet.js';

/** Version tag at the front of every repl session key. */
export const REPL_SESSION_KEY_PREFIX = 'lean-repl-session/1';
/** The repl executable run through `lake env` when a project is given without a command. */
export const DEFAULT_REPL_COMMAND = 'repl';

function buildReplBuilderOptionsSchema() {
  const ms = z.number().int().nonnegative();
  const count = z.number().int().positive();
  return z
    .object({
      command: z.string().min(1).optional(),
      args: z.array(z.string()).default([]),
      env: z.record(z.string(), z.string()).default({}),
      cwd: z.string().min(1).optional(),
      project: z.string().min(1).optional(),
      lakeCommand: z.string().min(1).default('lake'),
      headerProbe: z.string().min(1).nullable().default(DEFAULT_HEADER_PROBE),
      startupTimeoutMs: count.default(600_000),
      requestTimeoutMs: count.default(60_000),
      requestIdleTimeoutMs: ms.default(0),
      shutdownTimeoutMs: ms.default(2_000),
      killWaitTimeoutMs: ms.default(2_000),
      stderrTailBytes: count.default(4_096),
      memorySampleIntervalMs: count.default(250),
      maxResponseBytes: count.default(DEFAULT_REPL_RESPONSE_BYTES),
      policy: workerPolicySchema().optional(),
    })
    .strict()
    .refine((o) => o.command !== undefined || o.project !== undefined, {
      message: 'give the repl `command`, or a Lake `project` to run `lake env repl` in',
      path: ['command'],
    });
}
/** Schema of the builder options, built on first use; defaults are documented on {@link LeanReplBuilderOptions}. */
export const replBuilderOptionsSchema = lazySchema(buildReplBuilderOptionsSchema);

/**
 * Options of {@link LeanReplBuilder} (input form). `command` + `args`: the repl, never run
 * through a shell; with `project` it runs as `lakeCommand env command ...args` in that Lake
 * project (`command` defaults to `repl` there). Defaults: `args` [], `env` {} (added to the
 * allowlisted parent variables), `lakeCommand` 'lake', `headerProbe` '#check Nat' (null: off),
 * `startupTimeoutMs` 600000 ms (spawn plus header import), `requestTimeoutMs` 60000 ms,
 * `requestIdleTimeoutMs` 0 (off), `shutdownTimeoutMs` 2000 ms, `killWaitTimeoutMs` 2000 ms,
 * `stderrTailBytes` 4096, `memorySampleIntervalMs` 250 ms, `maxResponseBytes` 64 MiB, `policy`
 * (worker policy fields over the pool's) the pool's.
 */
export type LeanReplBuilderOptions = z.input<ReturnType<typeof buildReplBuilderOptionsSchema>>;
/** Builder options after defaults. */
export type ResolvedReplBuilderOptions = z.output<ReturnType<typeof buildReplBuilderOptionsSchema>>;

/** The worker one import header needs; pass it to `pool.acquireLease`. */
export interface LeanReplSource {
  readonly kind: 'repl';
  /** Canonical import set of the header (part of the session key). */
  readonly headerKey: string;
  sessionKey(): string;
  resolve(): Promise<ResolvedWorker>;
}

/** Requirements of repl workers. */
export class LeanReplBuilder {
  /** Validated options with defaults applied. */
  readonly options: Readonly<ResolvedReplBuilderOptions>;
  readonly #launch: WorkerLaunchSpec;
  readonly #identity: string;

  /** @throws an `INVALID_OPTIONS` error when the options fail validation (unknown keys included). */
  constructor(
    options: LeanReplBuilderOptions,
    context: { readonly env?: Readonly<Record<string, string | undefined>> } = {},
  ) {
    this.options = Object.freeze(parseOptions(replBuilderOptionsSchema(), options, 'repl builder options'));
    this.#launch = this.#launchSpec(context.env ?? process.env);
    const o = this.options;
    this.#identity = JSON.stringify({
      command: this.#launch.command,
      args: this.#launch.args,
      cwd: this.#launch.cwd ?? null,
      env: Object.entries(o.env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
      probe: o.headerProbe,
      policy: restartPolicyClass(o.policy),
    });
  }

  /** The worker for `snippet`'s header (the body is not looked at). */
  forSnippet(snippet: string | ReplSnippetSplit): LeanReplSource {
    const split = typeof snippet === 'string' ? splitSnippet(snippet) : snippet;
    const key = `${REPL_SESSION_KEY_PREFIX} ${this.#identity} ${JSON.stringify(split.sessionKey)}`;
    const resolved: ResolvedWorker = {
      key,
      launch: this.#launch,
      session: null,
      metadata: null,
      policy: this.options.policy ?? null,
      child: {
        kind: 'repl',
        headerKey: split.sessionKey,
        headerCommand: split.headerCommand,
        header: split.header,
        headerProbe: this.options.headerProbe,
        maxResponseBytes: this.options.maxResponseBytes,
      },
    };
    const headerKey = split.sessionKey;
    return { kind: 'repl', headerKey, sessionKey: () => key, resolve: () => Promise.resolve(resolved) };
  }

  #launchSpec(parentEnv: Readonly<Record<string, string | undefined>>): WorkerLaunchSpec {
    const o = this.options;
    const repl = o.command ?? DEFAULT_REPL_COMMAND;
    const [command, args, cwd] =
      o.project === undefined
        ? [repl, [...o.args], o.cwd === undefined ? undefined : canonicalPath(o.cwd)]
        : [o.lakeCommand, ['env', repl, ...o.args], canonicalPath(o.project)];
    return {
      command,
      args,
      env: { ...allowlistedParentEnv(parentEnv), ...o.env },
      cwd,
      startupTimeoutMs: o.startupTimeoutMs,
      requestTimeoutMs: o.requestTimeoutMs,
      requestIdleTimeoutMs: o.requestIdleTimeoutMs,
      shutdownTimeoutMs: o.shutdownTimeoutMs,
      killWaitTimeoutMs: o.killWaitTimeoutMs,
      maxFrameBytes: o.maxResponseBytes,
      stderrTailBytes: o.stderrTailBytes,
      hardMemoryLimitKib: o.policy?.hardMemoryLimitKib ?? 0,
      memorySampleIntervalMs: o.memorySampleIntervalMs,
    };
  }
}
