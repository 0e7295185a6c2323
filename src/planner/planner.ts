/**
 * `LeanWorkerImportPlanner`: groups module work into stable session batches. Grouping key:
 * (source root, canonical imports) within one planner's project, package, library, profile and
 * policy class, as the original's; modules sorted by name within a batch; batches in key order.
 * Deterministic: the same inputs give the same batches, byte for byte. Planning errors have code
 * `PLAN`, and `facts.kind` says which failure.
 */

import { metadataExpectation } from '../capability/options.js';
import { canonicalPath, formatSessionKey } from '../capability/session-key.js';
import { ErrorCode, PlanError } from '../errors.js';
import type { LakeProject, LeanModuleSetFingerprint } from '../lake/discover.js';
import {
  canonicalImports,
  compareNames,
  describeModuleNameProblem,
  headerImportSet,
  moduleNameProblem,
} from '../lake/module-name.js';
import { parseOptions } from '../parse-options.js';
import { restartPolicyClass } from '../protocol/worker-policy.js';
import { batchKeyString, type LeanWorkerModuleWork, LeanWorkerPlannedBatch } from './batch.js';
import { type ImportPlanConfig, importPlanConfigSchema, type ResolvedImportPlanConfig } from './config.js';

/** The capability library is not a declared `lean_lib`. */
export function unresolvedCapabilityTarget(projectRoot: string, targetName: string): PlanError {
  const message = `capability target \`${targetName}\` is not declared in ${projectRoot}`;
  return new PlanError(ErrorCode.PLAN, message, {
    facts: { kind: 'unresolved_capability_target', projectRoot, targetName },
  });
}

/** Throws `PLAN` (`invalid_module_name`) when `module` (a module or source root) is not a Lean module name. */
function validate(module: string): void {
  const problem = moduleNameProblem(module);
  if (problem === null) return;
  const reason = describeModuleNameProblem(problem);
  throw new PlanError(ErrorCode.PLAN, `invalid module \`${module}\` in import plan: ${reason}`, {
    facts: { kind: 'invalid_module_name', module, reason },
  });
}

/** Planner of worker session batches. */
export class LeanWorkerImportPlanner {
  /** Validated configuration with defaults applied. */
  readonly config: Readonly<ResolvedImportPlanConfig>;

  /** @throws an `INVALID_OPTIONS` error when the configuration fails validation. */
  constructor(config: ImportPlanConfig) {
    this.config = Object.freeze(parseOptions(importPlanConfigSchema(), config, 'import plan config'));
  }

  /**
   * Discover the Lake project and plan it.
   * @throws `PLAN` errors: `module_discovery` (with Lake diagnostics), `unresolved_capability_target`,
   *   `invalid_module_name`, `invalid_header`.
   */
  async planLakeProject(): Promise<LeanWorkerPlannedBatch[]> {
    const c = this.config;
    // Lake discovery (lakefile parsers, the source scan) loads with the first plan, not on import.
    const { discoverLakeProject } = await import('../lake/discover.js');
    const project = await discoverLakeProject({
      root: c.projectRoot,
      sourceRoots: c.sourceRoots,
      libraries: c.libraries,
      headers: c.importsFrom === 'header',
      contentHash: c.contentHash,
      maxProjectFileBytes: c.maxProjectFileBytes,
    });
    if (!project.declaredLeanLibs.includes(c.libName))
      throw unresolvedCapabilityTarget(project.projectRoot, c.libName);
    return this.planDiscovered(project);
  }

  /** Plan an already discovered project (headers are read here when needed and absent). */
  async planDiscovered(project: LakeProject): Promise<LeanWorkerPlannedBatch[]> {
    const base = this.config.baseImports;
    let headers = project.headers;
    // `base` reads no header: every module gets just the base imports.
    if (this.config.importsFrom === 'base') headers = new Map();
    else if (headers === null) {
      const { scanFiles } = await import('../lake/scan.js');
      const { modules } = project;
      const paths = modules.map((m) => m.path);
      const scanned = await scanFiles(paths, { headers: true, hash: false });
      headers = new Map(
        scanned.flatMap((e, i) => (e.header ? [[modules[i]!.module, e.header] as const] : [])),
      );
    }
    const work = project.modules.map((m): LeanWorkerModuleWork => {
      const header = headers.get(m.module);
      const issue = header?.issue;
      if (issue) {
        // The header could not be read, so the module's imports are unknown.
        const message = `module \`${m.module}\` has a malformed header (${issue.code} at line ${issue.line})`;
        const facts = { kind: 'invalid_header', module: m.module, path: m.path, issue };
        throw new PlanError(ErrorCode.PLAN, message, { facts });
      }
      const own = header ? headerImportSet(header) : [];
      return { module: m.module, path: m.path, sourceRoot: m.sourceRoot, imports: [...base, ...own] };
    });
    return this.planWorkItems(work, project.fingerprint);
  }

  /** Plan explicit work items against a caller-supplied source-set fingerprint. */
  async planWorkItems(
    items: Iterable<LeanWorkerModuleWork>,
    fingerprint: LeanModuleSetFingerprint,
  ): Promise<LeanWorkerPlannedBatch[]> {
    const c = this.config;
    const projectRoot = canonicalPath(c.projectRoot);
    const importWorkspaceRoot = canonicalPath(c.importWorkspaceRoot ?? c.projectRoot);
    const policyClass = restartPolicyClass(c.policy);
    const metadata = metadataExpectation(c.metadata);

    type Group = { id: string; sourceRoot: string; imports: string[]; modules: LeanWorkerModuleWork[] };
    const groups = new Map<string, Group>();
    for (const item of items) {
      validate(item.module);
      validate(item.sourceRoot);
      const imports = canonicalImports(item.imports);
      // Sorts like (sourceRoot, imports) compared element-wise: separators sort below name characters.
      const id = `${item.sourceRoot}\u0000${imports.join('\u0001')}`;
      const group = groups.get(id) ?? { id, sourceRoot: item.sourceRoot, imports, modules: [] };
      groups.set(id, group);
      group.modules.push({ module: item.module, path: item.path, sourceRoot: item.sourceRoot, imports });
    }
    const ordered = [...groups.values()].sort((a, b) => compareNames(a.id, b.id));
    return ordered.map((g) => {
      const modules = g.modules.sort((a, b) => compareNames(a.module, b.module));
      const shared = {
        projectRoot,
        package: c.package,
        libName: c.libName,
        sourceRoot: g.sourceRoot,
        imports: g.imports,
        importProfile: c.importProfile,
        restartPolicyClass: policyClass,
      };
      return new LeanWorkerPlannedBatch({
        ...shared,
        sessionKey: formatSessionKey({ ...shared, importWorkspaceRoot, metadata, child: null }),
        importWorkspaceRoot,
        modules,
        fingerprint: {
          toolchain: fingerprint.toolchain,
          sourceSet: fingerprint,
          batchKey: batchKeyString({ ...shared, modules }),
        },
        metadata,
        policy: c.policy ?? null,
      });
    });
  }
}
