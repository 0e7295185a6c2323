/** Typed planning errors: code `PLAN`, `facts.kind` says which failure. */
import { ErrorCode, PlanError } from '../errors.js';
import type { LeanHeaderIssue } from '../protocol/lean-header.js';

/** A module or source-root name is not a valid Lean module name. */
export function invalidModuleName(module: string, reason: string): PlanError {
  return new PlanError(ErrorCode.PLAN, `invalid module \`${module}\` in import plan: ${reason}`, {
    facts: { kind: 'invalid_module_name', module, reason },
  });
}

/** The capability library is not a declared `lean_lib`. */
export function unresolvedCapabilityTarget(projectRoot: string, targetName: string): PlanError {
  return new PlanError(
    ErrorCode.PLAN,
    `capability target \`${targetName}\` is not declared in ${projectRoot}`,
    {
      facts: { kind: 'unresolved_capability_target', projectRoot, targetName },
    },
  );
}

/** A module's header could not be read, so its imports are unknown. */
export function invalidHeader(module: string, path: string, issue: LeanHeaderIssue): PlanError {
  const message = `module \`${module}\` has a malformed header (${issue.code} at line ${issue.line})`;
  return new PlanError(ErrorCode.PLAN, message, { facts: { kind: 'invalid_header', module, path, issue } });
}
