/** The typed error of Lake discovery: code `PLAN`, kind `module_discovery`, with its diagnostics. */
import { ErrorCode, keepClassNames, PlanError } from '../errors.js';
import type { LakeDiagnostic } from './lakefile-types.js';

/** Discovery stopped on at least one error-severity diagnostic. */
export class LakeDiscoveryError extends PlanError {
  /** Every error-severity finding, first one first. */
  readonly diagnostics: readonly LakeDiagnostic[];

  constructor(diagnostics: readonly LakeDiagnostic[], options: { cause?: unknown } = {}) {
    const first = diagnostics[0];
    const more = diagnostics.length > 1 ? ` (and ${diagnostics.length - 1} more)` : '';
    super(ErrorCode.PLAN, `Lake discovery failed: ${first?.message ?? 'unknown error'}${more}`, {
      facts: { kind: 'module_discovery', diagnostic: first, diagnostics: [...diagnostics] },
      cause: options.cause,
    });
    this.diagnostics = diagnostics;
  }
}

keepClassNames({ LakeDiscoveryError });
