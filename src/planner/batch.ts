/** A planned batch: one session's requirements and the modules that run under it. */
import { type BuilderContext, LeanWorkerCapabilityBuilder } from '../capability/builder.js';
import type { CapabilityBuilderOptions } from '../capability/options.js';
import type { LeanModuleSetFingerprint } from '../lake/discover.js';
import type { ImportProfile } from '../protocol/messages.js';
import type { RestartPolicyClass, WorkerPolicy } from '../protocol/worker-policy.js';
import type { MetadataExpectation } from '../protocol/worker-spec.js';

/** One module-sized unit of work. */
export interface LeanWorkerModuleWork {
  readonly module: string;
  /** Source file path. */
  readonly path: string;
  /** Source root the module was found under. */
  readonly sourceRoot: string;
  /** Session imports this module needs. */
  readonly imports: readonly string[];
}

/** Cache-key-relevant facts of a batch (not a cache decision). */
export interface LeanWorkerBatchFingerprint {
  readonly toolchain: string | null;
  readonly sourceSet: LeanModuleSetFingerprint;
  /** `project=…;package=…;lib=…;source_root=…;imports=a,b;profile=…;policy=…;modules=m1,m2,…` */
  readonly batchKey: string;
}

/** Data of a planned batch. */
export type PlannedBatchData = Omit<LeanWorkerPlannedBatch, 'capabilityBuilder' | 'toJSON'>;

/** One stable execution group. Holds no worker ids, pids or scheduling decisions. */
export class LeanWorkerPlannedBatch {
  /** Session-requirements key; builders from this batch add the child identity to it. */
  readonly sessionKey!: string;
  readonly projectRoot!: string;
  readonly importWorkspaceRoot!: string;
  readonly package!: string;
  readonly libName!: string;
  readonly sourceRoot!: string;
  /** Canonical (sorted, deduplicated) session imports. */
  readonly imports!: readonly string[];
  readonly importProfile!: ImportProfile;
  readonly restartPolicyClass!: RestartPolicyClass;
  /** Sorted by module name. */
  readonly modules!: readonly LeanWorkerModuleWork[];
  readonly fingerprint!: LeanWorkerBatchFingerprint;
  readonly metadata!: MetadataExpectation | null;
  readonly policy!: WorkerPolicy | null;

  constructor(data: PlannedBatchData) {
    Object.assign(this, data);
    Object.freeze(this);
  }

  /**
   * A capability builder that reproduces this batch's session requirements. `overrides` add
   * what the plan does not know (worker command, timeouts, knobs); they may not change the
   * session requirements unless the caller means to.
   */
  capabilityBuilder(
    overrides: Partial<CapabilityBuilderOptions> = {},
    context?: BuilderContext,
  ): LeanWorkerCapabilityBuilder {
    const base: CapabilityBuilderOptions = {
      projectRoot: this.projectRoot,
      package: this.package,
      libName: this.libName,
      imports: [...this.imports],
      importProfile: this.importProfile,
      importWorkspaceRoot: this.importWorkspaceRoot,
      policy: this.policy ?? undefined,
      metadata: this.metadata ?? undefined,
    };
    return new LeanWorkerCapabilityBuilder({ ...base, ...overrides }, context);
  }

  /** Plain data (for JSON output). */
  toJSON(): PlannedBatchData {
    return { ...this };
  }
}

/** The original's batch key string. */
export function batchKeyString(
  b: Omit<PlannedBatchData, 'sessionKey' | 'importWorkspaceRoot' | 'fingerprint' | 'metadata' | 'policy'>,
): string {
  return [
    `project=${b.projectRoot}`,
    `package=${b.package}`,
    `lib=${b.libName}`,
    `source_root=${b.sourceRoot}`,
    `imports=${b.imports.join(',')}`,
    `profile=${b.importProfile}`,
    `policy=${b.restartPolicyClass}`,
    `modules=${b.modules.map((m) => m.module).join(',')}`,
  ].join(';');
}
