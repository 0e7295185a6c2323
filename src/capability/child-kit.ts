/**
 * Workers built with `lean-worker-pool/child` (`childKit: true`): a JavaScript child that binds
 * its exports by name, so the builder runs no Lake build, looks for no Lean toolchain and
 * writes no capability manifest. The exports a builder declares are still the only ones its
 * leases may call.
 */
import { invalidOptions } from '../parse-options.js';
import type { ResolvedBuilderOptions } from './options.js';
import type { ToolchainFacts } from './toolchain.js';

/** What a child-kit worker runs with: no Lean toolchain is looked for. */
export const CHILD_KIT_TOOLCHAIN: ToolchainFacts = Object.freeze({
  leanVersion: null,
  sysroot: null,
  sysrootSource: null,
  toolchainFile: null,
  problems: [],
  versionString: null,
  headerSha256: null,
  leanBinary: null,
});

/** `childKit` names the child's command and builds no manifest: refused without `worker` or with `manifestPath`. */
export function checkChildKit(o: ResolvedBuilderOptions): void {
  if (!o.childKit) return;
  const issues = [];
  if (o.worker === undefined) {
    issues.push({
      path: 'worker',
      message: 'childKit needs worker.command (the child to run)',
      code: 'custom',
    });
  }
  if (o.manifestPath !== undefined) {
    issues.push({ path: 'manifestPath', message: 'a child-kit child takes no manifest', code: 'custom' });
  }
  if (issues.length > 0) invalidOptions('capability builder options', issues);
}
