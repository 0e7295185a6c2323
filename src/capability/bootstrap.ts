/**
 * Bootstrap report: the original's stable codes, severities, subjects, and texts bounded to
 * 1024 bytes, plus repair hints.
 */
import { BootstrapError, ErrorCode, LeanWorkerError } from '../errors.js';

/** Stable bootstrap codes (the original's strings). */
export const BootstrapCode = {
  CHILD_UNRESOLVED: 'lean_rs.worker.bootstrap.child_unresolved',
  CHILD_NOT_EXECUTABLE: 'lean_rs.worker.bootstrap.child_not_executable',
  CAPABILITY_PREFLIGHT: 'lean_rs.worker.bootstrap.capability_preflight',
  HANDSHAKE_FAILED: 'lean_rs.worker.bootstrap.handshake_failed',
  METADATA_MISMATCH: 'lean_rs.worker.bootstrap.metadata_mismatch',
  STARTUP_FAILED: 'lean_rs.worker.bootstrap.startup_failed',
} as const;
export type BootstrapCode = (typeof BootstrapCode)[keyof typeof BootstrapCode];

/** Capability-manifest findings, with the original loader's stable codes. */
export const LoaderCode = {
  MISSING_MANIFEST: 'lean_rs.loader.missing_manifest',
  MALFORMED_MANIFEST: 'lean_rs.loader.malformed_manifest',
  UNSUPPORTED_MANIFEST_SCHEMA: 'lean_rs.loader.unsupported_manifest_schema',
  MISSING_PRIMARY_DYLIB: 'lean_rs.loader.missing_primary_dylib',
  MISSING_TRANSITIVE_DEPENDENCY: 'lean_rs.loader.missing_transitive_dependency',
  UNSUPPORTED_TOOLCHAIN_FINGERPRINT: 'lean_rs.loader.unsupported_toolchain_fingerprint',
  STALE_MANIFEST: 'lean_rs.loader.stale_manifest',
} as const;
export type LoaderCode = (typeof LoaderCode)[keyof typeof LoaderCode];

/** Severity of one finding. */
export type BootstrapSeverity = 'info' | 'warning' | 'error';

/** One bounded finding. */
export interface BootstrapCheck {
  readonly code: BootstrapCode | LoaderCode;
  readonly severity: BootstrapSeverity;
  /** Child binary, library, export or protocol step concerned. */
  readonly subject: string;
  readonly message: string;
  readonly repairHint: string;
}

/** Structured result of `builder.check()`. */
export interface BootstrapReport {
  /** No error-severity finding. */
  readonly ok: boolean;
  readonly checks: readonly BootstrapCheck[];
  readonly errors: readonly BootstrapCheck[];
  readonly firstError: BootstrapCheck | null;
  /** A probe (trial open) ran; false means only static checks were made. */
  readonly probed: boolean;
}

/** Limit of each text field, bytes of UTF-8. @default 1024 (bytes) */
export const BOOTSTRAP_TEXT_LIMIT = 1024;

/** Cut `text` to {@link BOOTSTRAP_TEXT_LIMIT} bytes at a character boundary, marking the cut with `...`. */
export function boundText(text: string): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= BOOTSTRAP_TEXT_LIMIT) return text;
  let end = BOOTSTRAP_TEXT_LIMIT;
  while (end > 0 && (buf[end]! & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}...`;
}

/** Build one bounded finding. */
export function bootstrapCheck(
  code: BootstrapCode | LoaderCode,
  severity: BootstrapSeverity,
  subject: string,
  message: string,
  repairHint: string,
): BootstrapCheck {
  return {
    code,
    severity,
    subject: boundText(subject),
    message: boundText(message),
    repairHint: boundText(repairHint),
  };
}

/** Assemble a report from findings. */
export function bootstrapReport(checks: readonly BootstrapCheck[], probed: boolean): BootstrapReport {
  const errors = checks.filter((c) => c.severity === 'error');
  return { ok: errors.length === 0, checks, errors, firstError: errors[0] ?? null, probed };
}

/** The `BOOTSTRAP` error of the first of `checks` (its code, subject and hint as facts). */
export function bootstrapError(checks: readonly BootstrapCheck[]): BootstrapError {
  const first = checks[0]!;
  return new BootstrapError(ErrorCode.BOOTSTRAP, first.message, {
    facts: { bootstrapCode: first.code, subject: first.subject, repairHint: first.repairHint, checks },
  });
}

/** The finding of a failed bootstrap step, mapped onto the original's bootstrap codes. */
export function checkFromError(err: unknown): BootstrapCheck {
  const code = err instanceof LeanWorkerError ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  const check = (bootstrapCode: BootstrapCheck['code'], subject: string, text: string, hint: string) =>
    bootstrapCheck(bootstrapCode, 'error', subject, text, hint);
  if (err instanceof LeanWorkerError && err.code === ErrorCode.BOOTSTRAP) {
    const { bootstrapCode, subject, repairHint } = err.facts;
    return check(
      (bootstrapCode as BootstrapCheck['code'] | undefined) ?? BootstrapCode.STARTUP_FAILED,
      subject ?? 'worker bootstrap',
      message,
      repairHint ?? 'fix the reported bootstrap input',
    );
  }
  if (code === ErrorCode.HANDSHAKE || code === ErrorCode.TIMEOUT) {
    const hint = 'check that the worker child starts promptly and speaks lean-rs-worker protocol 10';
    return check(BootstrapCode.HANDSHAKE_FAILED, 'worker handshake', message, hint);
  }
  if (err instanceof LeanWorkerError && err.code === ErrorCode.METADATA_MISMATCH) {
    return check(
      BootstrapCode.METADATA_MISMATCH,
      typeof err.facts.export === 'string' ? err.facts.export : 'capability metadata',
      'capability metadata did not match the requested expectation',
      'rebuild or select a capability whose metadata matches the expectation',
    );
  }
  const subject = code === ErrorCode.CAPABILITY_BUILD ? 'lake build' : 'worker bootstrap';
  const hint = 'run the check in the deployment environment and rebuild the worker child or capability';
  return check(BootstrapCode.STARTUP_FAILED, subject, message, hint);
}
