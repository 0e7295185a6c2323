/** Options of {@link LeanWorkerCapabilityBuilder}, validated once with a strict zod schema. */
import { z } from 'zod';
import { invalidOptions, lazySchema } from '../parse-options.js';
import { DEFAULT_FRAME_BYTES, DEFAULT_IMPORT_TIMEOUT_MS, MAX_TIMER_MS } from '../protocol/constants.js';
import { importProfileSchema } from '../protocol/import-profile.js';
import { workerPolicySchema } from '../protocol/worker-policy.js';
import type { MetadataExpectation } from '../protocol/worker-spec.js';

const buildMetadataCheckSchema = () =>
  z.object({ export: z.string().min(1), request: z.unknown(), expected: z.unknown().optional() }).strict();
/** A capability metadata check: run `export` with `request`; compare with `expected` when set. */
export const metadataCheckSchema = lazySchema(buildMetadataCheckSchema);

/** The expectation a metadata check sets up, or null without a check. */
export function metadataExpectation(
  check: z.output<ReturnType<typeof buildMetadataCheckSchema>> | undefined,
): MetadataExpectation | null {
  if (check === undefined) return null;
  const { export: name, request, expected } = check;
  return expected === undefined ? { export: name, request } : { export: name, request, expected };
}

/** The part of a typed command the builder reads: its kind and export name. */
export interface CommandRef {
  readonly kind: 'stream' | 'json';
  readonly export: string;
}

const commandRefSchema = () =>
  z.custom<CommandRef>(
    (v) => {
      const c = typeof v === 'object' ? (v as Partial<CommandRef> | null) : null;
      return (c?.kind === 'stream' || c?.kind === 'json') && typeof c.export === 'string' && c.export !== '';
    },
    { message: 'expected a command made by defineStreamingCommand or defineJsonCommand' },
  );

function buildCapabilityBuilderOptionsSchema() {
  const ms = z.number().int().nonnegative().max(MAX_TIMER_MS);
  const count = z.number().int().positive();
  const positiveMs = count.max(MAX_TIMER_MS);
  const kib = z.number().int().nonnegative();
  return z
    .object({
      projectRoot: z.string().min(1),
      package: z.string().min(1),
      libName: z.string().min(1),
      imports: z.array(z.string().min(1)).default([]),
      importProfile: importProfileSchema().default('private'),
      importWorkspaceRoot: z.string().min(1).optional(),
      /**
       * A capability manifest built elsewhere (a Rust `build.rs`), used as is after a static check.
       * Without it the builder writes one for the exports it declares.
       */
      manifestPath: z.string().min(1).optional(),
      /** Root Lean module the capability initialises (default `libName`). */
      module: z.string().min(1).optional(),
      /** Exports leases may call, by name: `stream` (data streams) or `json` (JSON, metadata, doctor). */
      exports: z.record(z.string().min(1), z.enum(['stream', 'json'])).default({}),
      /** Typed command definitions whose exports leases may call (`defineStreamingCommand`, `defineJsonCommand`). */
      commands: z.array(commandRefSchema()).default([]),
      worker: z
        .object({
          command: z.string().min(1),
          args: z.array(z.string()).default([]),
          env: z.record(z.string(), z.string()).default({}),
          cwd: z.string().min(1).optional(),
          /**
           * The `worker_version` the child must report at handshake. Part of the session key; a
           * child that reports another version fails to start with HANDSHAKE.
           */
          version: z.string().min(1).optional(),
        })
        .strict()
        .optional(),
      leanSysroot: z.string().min(1).optional(),
      lakeCommand: z.string().min(1).default('lake'),
      leanCommand: z.string().min(1).default('lean'),
      startupTimeoutMs: ms.default(10_000),
      requestTimeoutMs: ms.default(30_000),
      requestIdleTimeoutMs: ms.default(0),
      /**
       * Deadline of opening the session (its imports): the cold open and every reopen after a
       * restart run under it, never under a command's deadline.
       */
      importTimeoutMs: positiveMs.default(DEFAULT_IMPORT_TIMEOUT_MS),
      shutdownTimeoutMs: ms.default(2_000),
      killWaitTimeoutMs: ms.default(2_000),
      buildTimeoutMs: positiveMs.default(600_000),
      probeTimeoutMs: positiveMs.default(30_000),
      /** Worker policy fields that override the pool's for this builder's workers. */
      policy: workerPolicySchema().optional(),
      maxFrameBytes: count.default(DEFAULT_FRAME_BYTES),
      stderrTailBytes: count.default(4_096),
      memorySampleIntervalMs: positiveMs.default(250),
      metadata: metadataCheckSchema().optional(),
      sessionPoolCapacity: count.optional(),
      numThreads: count.optional(),
      leanMaxMemoryKib: kib.optional(),
      moduleCache: z
        .object({
          maxEntries: count.optional(),
          ttlMs: ms.optional(),
          maxBytes: count.optional(),
          rssGuardKib: kib.optional(),
          verifyRssTaintKib: kib.optional(),
        })
        .strict()
        .optional(),
      skipBuild: z.boolean().default(false),
      /**
       * The worker is a JavaScript child built with `lean-worker-pool/child` that binds its exports
       * by name: no Lake build, no Lean toolchain, no capability manifest. Needs `worker`; not with
       * `manifestPath`. Declared exports are still the only ones leases may call. A child-kit child
       * in `strict` mode holds its parent to the real child's rules and needs a manifest: leave
       * this off for it.
       */
      childKit: z.boolean().default(false),
    })
    .strict();
}
/** Schema of the builder options, built on first use. Defaults are documented on {@link CapabilityBuilderOptions}. */
export const capabilityBuilderOptionsSchema = lazySchema(buildCapabilityBuilderOptionsSchema);

/**
 * Builder options (input form). Defaults: `imports` [], `importProfile` 'private',
 * `importWorkspaceRoot` = projectRoot, `worker` found through `LEAN_RS_WORKER_CHILD` or PATH
 * (`lean-rs-worker-child`), `lakeCommand` 'lake', `leanCommand` 'lean', `startupTimeoutMs`
 * 10000 ms, `requestTimeoutMs` 30000 ms, `requestIdleTimeoutMs` 0 (off), `importTimeoutMs`
 * 600000 ms (10 minutes, for Mathlib-sized imports), `shutdownTimeoutMs` 2000 ms,
 * `killWaitTimeoutMs` 2000 ms, `buildTimeoutMs` 600000 ms, `probeTimeoutMs` 30000 ms,
 * `maxFrameBytes` 1 MiB, `stderrTailBytes` 4096 bytes, `policy` the pool's,
 * `memorySampleIntervalMs` 250 ms, `skipBuild` false, `childKit` false.
 */
export type CapabilityBuilderOptions = z.input<ReturnType<typeof buildCapabilityBuilderOptionsSchema>>;
/** Builder options after defaults. */
export type ResolvedBuilderOptions = z.output<ReturnType<typeof buildCapabilityBuilderOptionsSchema>>;

/** `childKit` names the child's command and builds no manifest: refused without `worker` or with `manifestPath`. */
export function checkChildKit(o: ResolvedBuilderOptions): void {
  if (!o.childKit) return;
  const issues = [];
  const message = 'childKit needs worker.command (the child to run)';
  if (o.worker === undefined) issues.push({ path: 'worker', message, code: 'custom' });
  const noManifest = 'a child-kit child takes no manifest';
  if (o.manifestPath !== undefined)
    issues.push({ path: 'manifestPath', message: noManifest, code: 'custom' });
  if (issues.length > 0) invalidOptions('capability builder options', issues);
}
