/**
 * `LeanWorkerCapabilityBuilder`: one capability-backed worker's requirements. It computes the
 * session key, resolves everything the pool needs to start the worker (`resolve()`), and reports
 * bootstrap problems as data (`check()`).
 */
import path from 'node:path';
import { BootstrapError, CapabilityBuildError, ErrorCode } from '../errors.js';
import { parseOptions } from '../parse-options.js';
import { clampFrameLimit } from '../protocol/constants.js';
import { restartPolicyClass } from '../protocol/worker-policy.js';
import type { MetadataExpectation, SessionOpenSpec, WorkerLaunchSpec } from '../protocol/worker-spec.js';
import {
  type BootstrapCheck,
  BootstrapCode,
  type BootstrapReport,
  bootstrapCheck,
  bootstrapReport,
} from './bootstrap.js';
import {
  declaredExports,
  prepareManifest,
  userManifestChecks,
  userManifestDigest,
} from './capability-manifest.js';
import { buildChildEnv } from './child-env.js';
import { CHILD_KIT_TOOLCHAIN, checkChildKit } from './child-kit.js';
import { type ChildLocation, locateWorkerChild } from './child-locator.js';
import type { ExportKind } from './manifest.js';
import {
  type CapabilityBuilderOptions,
  capabilityBuilderOptionsSchema,
  type ResolvedBuilderOptions,
} from './options.js';
import { childChecks, findLakefile, projectChecks } from './preflight.js';
import type { ProbeFn } from './probe.js';
import type { ResolvedCapability } from './resolved.js';
import type { ToolRun } from './run-tool.js';
import { canonicalPath, fileIdentity, formatSessionKey } from './session-key.js';

export type { ResolvedCapability };

/** Context of a builder: the parent environment it reads. @default { env: process.env } */
export interface BuilderContext {
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** Requirements of one capability-backed worker. Immutable: the `with*` methods return new builders. */
export class LeanWorkerCapabilityBuilder {
  /** Validated options with defaults applied. */
  readonly options: Readonly<ResolvedBuilderOptions>;
  readonly #input: CapabilityBuilderOptions;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #declared: Readonly<Record<string, ExportKind>>;
  #location: ChildLocation | undefined;
  #sessionKey: string | undefined;

  /** @throws an `INVALID_OPTIONS` error when the options fail validation (unknown keys included). */
  constructor(options: CapabilityBuilderOptions, context: BuilderContext = {}) {
    this.options = Object.freeze(
      parseOptions(capabilityBuilderOptionsSchema, options, 'capability builder options'),
    );
    this.#input = options;
    this.#env = context.env ?? process.env;
    checkChildKit(this.options);
    this.#declared = Object.freeze(declaredExports(this.options));
  }

  /** Every export this builder's leases may call, with its command kind. */
  declaredExports(): Readonly<Record<string, ExportKind>> {
    return this.#declared;
  }

  /** A builder that also declares these typed commands' exports. */
  withCommands(...commands: readonly { readonly kind: ExportKind; readonly export: string }[]) {
    return this.with({ commands: [...this.options.commands, ...commands] });
  }

  /** A builder with some options replaced (shallow merge). */
  with(overrides: Partial<CapabilityBuilderOptions>): LeanWorkerCapabilityBuilder {
    return new LeanWorkerCapabilityBuilder({ ...this.#input, ...overrides }, { env: this.#env });
  }

  /** Run the metadata export after the session opens and keep its result. */
  validateMetadata(exportName: string, request: unknown): LeanWorkerCapabilityBuilder {
    return this.with({ metadata: { export: exportName, request } });
  }

  /** As {@link validateMetadata}, and require the result to equal `expected`. */
  expectMetadata(exportName: string, request: unknown, expected: unknown): LeanWorkerCapabilityBuilder {
    return this.with({ metadata: { export: exportName, request, expected } });
  }

  /** Where the child is (explicit command, `LEAN_RS_WORKER_CHILD`, or PATH); cached. */
  locateChild(): ChildLocation {
    this.#location ??= locateWorkerChild(this.options.worker?.command, this.#env);
    return this.#location;
  }

  /** The metadata expectation, or null. */
  metadataExpectation(): MetadataExpectation | null {
    const m = this.options.metadata;
    if (m === undefined) return null;
    return m.expected === undefined
      ? { export: m.export, request: m.request }
      : { export: m.export, request: m.request, expected: m.expected };
  }

  /**
   * Canonical session key (see `session-key.ts` for its parts). Computed once per builder: the
   * paths and the child file are resolved on the first call, so a pool acquire costs no file
   * system calls.
   */
  sessionKey(): string {
    this.#sessionKey ??= this.#computeSessionKey();
    return this.#sessionKey;
  }

  #computeSessionKey(): string {
    const o = this.options;
    const location = this.locateChild();
    const projectRoot = canonicalPath(o.projectRoot);
    return formatSessionKey({
      projectRoot,
      importWorkspaceRoot: canonicalPath(o.importWorkspaceRoot ?? o.projectRoot),
      package: o.package,
      libName: o.libName,
      // The child keys sessions by the ordered list: `[A, B]` and `[B, A]` are two environments.
      imports: [...o.imports],
      capability: {
        module: o.module ?? o.libName,
        exports: Object.entries(this.#declared).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        manifest: o.childKit ? 'child-kit' : userManifestDigest(o),
        sysroot: o.leanSysroot ?? o.worker?.env.LEAN_SYSROOT ?? this.#env.LEAN_SYSROOT ?? null,
        knobs: {
          numThreads: o.numThreads ?? null,
          leanMaxMemoryKib: o.leanMaxMemoryKib ?? null,
          moduleCache: o.moduleCache ?? null,
          hardMemoryLimitKib: o.policy?.hardMemoryLimitKib ?? 0,
          maxFrameBytes: clampFrameLimit(o.maxFrameBytes),
        },
      },
      importProfile: o.importProfile,
      metadata: this.metadataExpectation(),
      restartPolicyClass: o.sessionPoolCapacity !== undefined ? 'Custom' : restartPolicyClass(o.policy),
      child: {
        command: location.ok
          ? canonicalPath(location.command)
          : `unresolved:${o.worker?.command ?? location.source}`,
        args: o.worker?.args ?? [],
        env: o.worker?.env ?? {},
        fileIdentity: location.ok ? fileIdentity(location.command) : null,
        version: o.worker?.version ?? null,
      },
    });
  }

  /** Static findings (child, project, Lake target); starts no process. */
  staticChecks(): BootstrapCheck[] {
    return [
      ...childChecks(this.locateChild()),
      ...projectChecks(this.options),
      ...userManifestChecks(this.options),
    ];
  }

  /**
   * Static checks, `lake build <lib>:shared` (unless `skipBuild` or no lakefile), toolchain
   * discovery, then the launch spec, session spec and metadata expectation.
   * @throws `BOOTSTRAP` (static check or sysroot failure) or `CAPABILITY_BUILD` errors.
   */
  async resolve(): Promise<ResolvedCapability> {
    const o = this.options;
    const errors = this.staticChecks().filter((c) => c.severity === 'error');
    if (errors.length > 0) {
      const first = errors[0]!;
      throw new BootstrapError(ErrorCode.BOOTSTRAP, first.message, {
        facts: {
          bootstrapCode: first.code,
          subject: first.subject,
          repairHint: first.repairHint,
          checks: errors,
        },
      });
    }
    const location = this.locateChild() as Extract<ChildLocation, { ok: true }>;
    const build = o.childKit ? null : await this.#build();
    const toolchain = o.childKit
      ? CHILD_KIT_TOOLCHAIN
      : await (await import('./toolchain.js')).discoverToolchain({
          projectRoot: o.projectRoot,
          leanCommand: o.leanCommand,
          explicitSysroot: o.leanSysroot,
          workerEnvSysroot: o.worker?.env.LEAN_SYSROOT,
          parentEnv: this.#env,
          timeoutMs: o.probeTimeoutMs,
        });
    if (toolchain.sysroot === null && !o.skipBuild && !o.childKit) {
      throw new BootstrapError(
        ErrorCode.BOOTSTRAP,
        'could not discover the Lean sysroot for the worker child',
        {
          facts: {
            bootstrapCode: BootstrapCode.STARTUP_FAILED,
            subject: 'LEAN_SYSROOT',
            problems: toolchain.problems,
          },
        },
      );
    }
    const launch: WorkerLaunchSpec = {
      command: location.command,
      args: [...(o.worker?.args ?? [])],
      env: buildChildEnv({
        parent: this.#env,
        sysroot: toolchain.sysroot,
        knobs: o,
        explicit: o.worker?.env ?? {},
      }),
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
    const metadata = this.metadataExpectation();
    const manifest = o.childKit ? null : prepareManifest(o, toolchain, this.#declared);
    const imports = [...o.imports];
    // The real child binds worker exports only in a session opened with a manifest, so a manifest
    // means a session; otherwise, as the original, only when there is something to import or check.
    const session: SessionOpenSpec | null =
      imports.length > 0 || metadata !== null || manifest !== null
        ? {
            projectRoot: canonicalPath(o.importWorkspaceRoot ?? o.projectRoot),
            mode: {
              kind: 'capability',
              package: o.package,
              lib_name: o.libName,
              manifest_path: manifest?.path ?? null,
            },
            imports,
            importProfile: o.importProfile,
            importTimeoutMs: o.importTimeoutMs,
          }
        : null;
    return {
      key: this.sessionKey(),
      launch,
      session,
      metadata,
      policy: o.policy ?? null,
      // A child-kit child binds exports by name: the builder's declarations are the list.
      exports: {
        manifestPath: manifest?.path ?? null,
        kinds: o.childKit ? { ...this.#declared } : (manifest?.exports ?? {}),
      },
      toolchain,
      manifestPath: manifest?.path ?? null,
      build,
    };
  }

  /**
   * Static checks, then (with a probe) `resolve()` and the probe's trial open. Never throws:
   * every failure becomes a finding with a stable code.
   */
  check(probe?: ProbeFn): Promise<BootstrapReport> {
    return import('./probe.js')
      .then(({ runCheck }) => runCheck(this, probe))
      .catch((err: unknown) =>
        bootstrapReport(
          [
            bootstrapCheck(
              BootstrapCode.STARTUP_FAILED,
              'error',
              'worker bootstrap',
              String(err),
              'report this failure',
            ),
          ],
          false,
        ),
      );
  }

  async #build(): Promise<ResolvedCapability['build']> {
    const o = this.options;
    if (o.skipBuild || findLakefile(o.projectRoot) === null) return null;
    const args = ['build', `${o.libName}:shared`];
    const { runTool, succeeded, tailBytes } = await import('./run-tool.js');
    const run: ToolRun = await runTool(o.lakeCommand, args, {
      cwd: o.projectRoot,
      env: this.#env,
      timeoutMs: o.buildTimeoutMs,
    });
    if (!succeeded(run)) {
      const outputTail = tailBytes(run.output);
      throw new CapabilityBuildError(
        ErrorCode.CAPABILITY_BUILD,
        `\`${o.lakeCommand} ${args.join(' ')}\` failed`,
        {
          facts: {
            command: o.lakeCommand,
            args,
            cwd: o.projectRoot,
            exitCode: run.exitCode,
            signal: run.signal,
            timedOut: run.timedOut,
            spawnError: run.spawnError,
            outputTail,
          },
        },
      );
    }
    return {
      command: o.lakeCommand,
      args,
      durationMs: run.durationMs,
      outputTail: tailBytes(run.output, 1024),
    };
  }
}
