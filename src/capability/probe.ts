/**
 * `check()`'s logic: static findings first; with a probe, resolve and trial-open, mapping every
 * failure onto the original's bootstrap codes.
 */
import { ErrorCode, LeanWorkerError } from '../errors.js';
import {
  type BootstrapCheck,
  BootstrapCode,
  type BootstrapReport,
  bootstrapCheck,
  bootstrapReport,
} from './bootstrap.js';
import { compareMetadata } from './metadata.js';
import type { ResolvedCapability } from './resolve.js';

/**
 * A trial open of a resolved worker (the pool supplies one): start it, handshake, open the
 * session, run the metadata export, shut down. May return the metadata it read so the
 * expectation can be compared here.
 */
export type ProbeFn = (resolved: ResolvedCapability) => Promise<undefined | { readonly metadata?: unknown }>;

function checkFromError(err: unknown): BootstrapCheck {
  const code = err instanceof LeanWorkerError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const check = (bootstrapCode: BootstrapCheck['code'], subject: string, text: string, hint: string) =>
    bootstrapCheck(bootstrapCode, 'error', subject, text, hint);
  if (code === ErrorCode.BOOTSTRAP && err instanceof LeanWorkerError) {
    const facts = err.facts as {
      bootstrapCode?: BootstrapCheck['code'];
      subject?: string;
      repairHint?: string;
    };
    return check(
      facts.bootstrapCode ?? BootstrapCode.STARTUP_FAILED,
      facts.subject ?? 'worker bootstrap',
      message,
      facts.repairHint ?? 'fix the reported bootstrap input',
    );
  }
  if (code === ErrorCode.HANDSHAKE || code === ErrorCode.TIMEOUT) {
    return check(
      BootstrapCode.HANDSHAKE_FAILED,
      'worker handshake',
      message,
      'check that the worker child starts promptly and speaks lean-rs-worker protocol 10',
    );
  }
  if (code === ErrorCode.METADATA_MISMATCH && err instanceof LeanWorkerError) {
    return check(
      BootstrapCode.METADATA_MISMATCH,
      typeof err.facts.export === 'string' ? err.facts.export : 'capability metadata',
      'capability metadata did not match the requested expectation',
      'rebuild or select a capability whose metadata matches the expectation',
    );
  }
  return check(
    BootstrapCode.STARTUP_FAILED,
    code === ErrorCode.CAPABILITY_BUILD ? 'lake build' : 'worker bootstrap',
    message,
    'run the check in the deployment environment and rebuild the worker child or capability',
  );
}

/** Run the checks of `builder.check(probe)`. */
export async function runCheck(
  builder: { staticChecks(): Promise<BootstrapCheck[]>; resolve(): Promise<ResolvedCapability> },
  probe?: ProbeFn,
): Promise<BootstrapReport> {
  const checks: BootstrapCheck[] = [];
  try {
    checks.push(...(await builder.staticChecks()));
  } catch (err) {
    checks.push(checkFromError(err));
  }
  if (probe === undefined || checks.some((c) => c.severity === 'error'))
    return bootstrapReport(checks, false);
  let resolved: ResolvedCapability;
  try {
    resolved = await builder.resolve();
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
