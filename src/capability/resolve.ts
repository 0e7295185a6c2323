/**
 * Resolving a capability builder: from its validated options to what the pool starts a worker
 * with. Static findings that are errors stop it (`BOOTSTRAP`); then `lake build <lib>:shared`
 * (unless `skipBuild`, a child-kit child or no lakefile; `CAPABILITY_BUILD` when it fails),
 * toolchain discovery, the manifest, and the launch spec, session spec and metadata expectation.
 */
import path from 'node:path';
import { BootstrapError, CapabilityBuildError, ErrorCode } from '../errors.js';
import { clampFrameLimit } from '../protocol/constants.js';
import type {
  MetadataExpectation,
  ResolvedWorker,
  SessionOpenSpec,
  WorkerLaunchSpec,
} from '../protocol/worker-spec.js';
import { type BootstrapCheck, BootstrapCode, bootstrapError } from './bootstrap.js';
import { prepareManifest } from './capability-manifest.js';
import { buildChildEnv } from './child-env.js';
import type { ChildLocation } from './child-locator.js';
import type { ExportKind } from './manifest.js';
import type { ResolvedBuilderOptions } from './options.js';
import { findLakefile } from './preflight.js';
import { canonicalPath } from './session-key.js';
import type { ToolchainFacts } from './toolchain.js';

/** What `resolve()` returns: a {@link ResolvedWorker} plus the facts found on the way. */
export interface ResolvedCapability extends ResolvedWorker {
  readonly toolchain: ToolchainFacts;
  /** Path of the capability manifest the session opens with, or null. */
  readonly manifestPath: string | null;
  /** The Lake build, or null when it was skipped. */
  readonly build: {
    readonly command: string;
    readonly args: readonly string[];
    readonly durationMs: number;
    readonly outputTail: string;
  } | null;
}

/**
 * What a child-kit worker (`lean-worker-pool/child`, binding exports by name) runs with: no Lake
 * build, no Lean toolchain, no capability manifest.
 */
const CHILD_KIT_TOOLCHAIN: ToolchainFacts = Object.freeze({
  leanVersion: null,
  sysroot: null,
  sysrootSource: null,
  toolchainFile: null,
  problems: [],
  versionString: null,
  headerSha256: null,
  leanBinary: null,
});

/** What resolving reads from a builder; its methods run only once the static checks passed. */
export interface ResolveInput {
  readonly options: Readonly<ResolvedBuilderOptions>;
  declaredExports(): Readonly<Record<string, ExportKind>>;
  locateChild(): ChildLocation;
  metadataExpectation(): MetadataExpectation | null;
  sessionKey(): string;
}

/** @throws `BOOTSTRAP` (static check or sysroot failure) or `CAPABILITY_BUILD` errors. */
export async function resolveCapability(
  input: ResolveInput,
  env: Readonly<Record<string, string | undefined>>,
  staticChecks: readonly BootstrapCheck[],
): Promise<ResolvedCapability> {
  const o = input.options;
  const errors = staticChecks.filter((c) => c.severity === 'error');
  if (errors.length > 0) throw bootstrapError(errors);
  const location = input.locateChild() as Extract<ChildLocation, { ok: true }>;
  const build = o.childKit ? null : await buildLibrary(o, env);
  const toolchain = o.childKit
    ? CHILD_KIT_TOOLCHAIN
    : await (await import('./toolchain.js')).discoverToolchain({
        projectRoot: o.projectRoot,
        leanCommand: o.leanCommand,
        explicitSysroot: o.leanSysroot,
        workerEnvSysroot: o.worker?.env.LEAN_SYSROOT,
        parentEnv: env,
        timeoutMs: o.probeTimeoutMs,
      });
  if (toolchain.sysroot === null && !o.skipBuild && !o.childKit) {
    const message = 'could not discover the Lean sysroot for the worker child';
    const { problems } = toolchain;
    const facts = { bootstrapCode: BootstrapCode.STARTUP_FAILED, subject: 'LEAN_SYSROOT', problems };
    throw new BootstrapError(ErrorCode.BOOTSTRAP, message, { facts });
  }
  const launch: WorkerLaunchSpec = {
    command: location.command,
    args: [...(o.worker?.args ?? [])],
    env: buildChildEnv({ parent: env, sysroot: toolchain.sysroot, knobs: o, explicit: o.worker?.env ?? {} }),
    cwd: o.worker?.cwd === undefined ? undefined : path.resolve(o.worker.cwd),
    startupTimeoutMs: o.startupTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    requestIdleTimeoutMs: o.requestIdleTimeoutMs,
    shutdownTimeoutMs: o.shutdownTimeoutMs,
    killWaitTimeoutMs: o.killWaitTimeoutMs,
    maxFrameBytes: clampFrameLimit(o.maxFrameBytes),
    stderrTailBytes: o.stderrTailBytes,
    hardMemoryLimitKib: o.policy?.hardMemoryLimitKib ?? 0,
    memorySampleIntervalMs: o.memorySampleIntervalMs,
    expectedWorkerVersion: o.worker?.version,
  };
  const metadata = input.metadataExpectation();
  const declared = input.declaredExports();
  const manifest = o.childKit ? null : prepareManifest(o, toolchain, declared);
  const manifestPath = manifest?.path ?? null;
  const imports = [...o.imports];
  // The real child binds worker exports only in a session opened with a manifest, so a manifest
  // means a session; otherwise, as the original, only when there is something to import or check.
  const session: SessionOpenSpec | null =
    imports.length > 0 || metadata !== null || manifest !== null
      ? {
          projectRoot: canonicalPath(o.importWorkspaceRoot ?? o.projectRoot),
          mode: { kind: 'capability', package: o.package, lib_name: o.libName, manifest_path: manifestPath },
          imports,
          importProfile: o.importProfile,
          importTimeoutMs: o.importTimeoutMs,
        }
      : null;
  return {
    key: input.sessionKey(),
    launch,
    session,
    metadata,
    policy: o.policy ?? null,
    // A child-kit child binds exports by name: the builder's declarations are the list.
    exports: { manifestPath, kinds: o.childKit ? { ...declared } : (manifest?.exports ?? {}) },
    toolchain,
    manifestPath,
    build,
  };
}

/** `lake build <lib>:shared`, unless `skipBuild` or the project has no lakefile. */
async function buildLibrary(
  o: Readonly<ResolvedBuilderOptions>,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ResolvedCapability['build']> {
  if (o.skipBuild || findLakefile(o.projectRoot) === null) return null;
  const args = ['build', `${o.libName}:shared`];
  const { runTool, succeeded, tailBytes } = await import('./run-tool.js');
  const run = await runTool(o.lakeCommand, args, { cwd: o.projectRoot, env, timeoutMs: o.buildTimeoutMs });
  if (!succeeded(run)) {
    const { exitCode, signal, timedOut, spawnError, output } = run;
    const command = { command: o.lakeCommand, args, cwd: o.projectRoot };
    const message = `\`${o.lakeCommand} ${args.join(' ')}\` failed`;
    throw new CapabilityBuildError(ErrorCode.CAPABILITY_BUILD, message, {
      facts: { ...command, exitCode, signal, timedOut, spawnError, outputTail: tailBytes(output) },
    });
  }
  return {
    command: o.lakeCommand,
    args,
    durationMs: run.durationMs,
    outputTail: tailBytes(run.output, 1024),
  };
}
