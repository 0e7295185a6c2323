/**
 * `LeanWorkerCapabilityBuilder`: one capability-backed worker's requirements: validated options,
 * the session key, and bootstrap problems as data (`check()`); `resolve()` is `resolve.ts`.
 */
import { parseOptions } from '../parse-options.js';
import { clampFrameLimit } from '../protocol/constants.js';
import { restartPolicyClass } from '../protocol/worker-policy.js';
import type { MetadataExpectation } from '../protocol/worker-spec.js';
import {
  type BootstrapCheck,
  BootstrapCode,
  type BootstrapReport,
  bootstrapCheck,
  bootstrapReport,
  checkFromError,
} from './bootstrap.js';
import { declaredExports, userManifestChecks, userManifestDigest } from './capability-manifest.js';
import { type ChildLocation, locateWorkerChild } from './child-locator.js';
import type { ExportKind } from './manifest.js';
import { compareMetadata } from './metadata.js';
import {
  type CapabilityBuilderOptions,
  capabilityBuilderOptionsSchema,
  checkChildKit,
  metadataExpectation,
  type ResolvedBuilderOptions,
} from './options.js';
import { childChecks, projectChecks } from './preflight.js';
import { type ResolvedCapability, resolveCapability } from './resolve.js';
import { canonicalPath, fileIdentity, formatSessionKey } from './session-key.js';

export type { ResolvedCapability };

/**
 * A trial open of a resolved worker (the pool supplies one): start it, handshake, open the
 * session, run the metadata export, shut down. May return the metadata it read so the
 * expectation can be compared by `check()`.
 */
export type ProbeFn = (resolved: ResolvedCapability) => Promise<undefined | { readonly metadata?: unknown }>;

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
      parseOptions(capabilityBuilderOptionsSchema(), options, 'capability builder options'),
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
    return metadataExpectation(this.options.metadata);
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
    return formatSessionKey({
      projectRoot: canonicalPath(o.projectRoot),
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

  /**
   * Static findings (child, project, Lake target); starts no process. Asynchronous because the
   * lakefile's reader (and for `lakefile.toml` its TOML parser) is loaded when a lakefile is read.
   */
  async staticChecks(): Promise<BootstrapCheck[]> {
    return [
      ...childChecks(this.locateChild()),
      ...(await projectChecks(this.options)),
      ...userManifestChecks(this.options),
    ];
  }

  /**
   * Static checks, `lake build <lib>:shared` (unless `skipBuild` or no lakefile), toolchain
   * discovery, then the launch spec, session spec and metadata expectation (`resolve.ts`).
   * @throws `BOOTSTRAP` (static check or sysroot failure) or `CAPABILITY_BUILD` errors.
   */
  async resolve(): Promise<ResolvedCapability> {
    return resolveCapability(this, this.#env, await this.staticChecks());
  }

  /**
   * Static checks, then (with a probe) `resolve()` and the probe's trial open. Never throws:
   * every failure becomes a finding with a stable code.
   */
  async check(probe?: ProbeFn): Promise<BootstrapReport> {
    try {
      return await this.#check(probe);
    } catch (err) {
      const code = BootstrapCode.STARTUP_FAILED;
      const failed = bootstrapCheck(code, 'error', 'worker bootstrap', String(err), 'report this failure');
      return bootstrapReport([failed], false);
    }
  }

  async #check(probe: ProbeFn | undefined): Promise<BootstrapReport> {
    const checks: BootstrapCheck[] = [];
    try {
      checks.push(...(await this.staticChecks()));
    } catch (err) {
      checks.push(checkFromError(err));
    }
    if (probe === undefined || checks.some((c) => c.severity === 'error'))
      return bootstrapReport(checks, false);
    let resolved: ResolvedCapability;
    try {
      resolved = await this.resolve();
    } catch (err) {
      checks.push(checkFromError(err));
      return bootstrapReport(checks, false);
    }
    try {
      const outcome = await probe(resolved);
      const expected = resolved.metadata?.expected;
      if (resolved.metadata !== null && expected !== undefined && outcome && 'metadata' in outcome) {
        const mismatch = compareMetadata(resolved.metadata.export, expected, outcome.metadata);
        if (mismatch) checks.push(checkFromError(mismatch));
      }
    } catch (err) {
      checks.push(checkFromError(err));
    }
    return bootstrapReport(checks, true);
  }
}
