/**
 * The readiness questions the demo asks on its first lease: the `version` and `doctor` JSON
 * commands and the capability metadata. A capability that does not answer one of them is noted
 * with the error code, not treated as a failure of the run.
 */
import { LeanWorkerError } from '../src/errors.js';
import type { LeanWorkerSessionLease } from '../src/lease.js';
import type { DemoCommandSet } from './commands.js';
import type { DemoState } from './state.js';

/** What the readiness questions answered (null fields: the capability did not answer). */
export interface ReadinessResult {
  version: unknown;
  doctorDiagnostics: { pass: number; warning: number; error: number } | null;
  metadataCommands: string[] | null;
  errors: Record<string, string>;
}

/** A readiness check to run on a lease; fills `result` and reports one event line. */
export function readinessCheck(commands: DemoCommandSet, state: DemoState, result: ReadinessResult) {
  const attempt = async <T>(name: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (error) {
      result.errors[name] = error instanceof LeanWorkerError ? error.code : String(error);
      return null;
    }
  };
  return async (lease: LeanWorkerSessionLease) => {
    result.version = await attempt('version', () => lease.runJsonCommand(commands.version, {}));
    const doctor = (await attempt('doctor', () => lease.runJsonCommand(commands.doctor, {}))) as {
      diagnostics?: { severity: string }[];
    } | null;
    if (Array.isArray(doctor?.diagnostics)) {
      const count = (s: string) => doctor.diagnostics!.filter((d) => d.severity === s).length;
      result.doctorDiagnostics = { pass: count('pass'), warning: count('warning'), error: count('error') };
    }
    const metadata = await attempt('metadata', () => lease.capabilityMetadata(commands.names.metadata, {}));
    result.metadataCommands = metadata ? metadata.commands.map((c) => c.name) : null;
    const d = result.doctorDiagnostics;
    const v = result.version as { worker?: unknown; protocol?: unknown } | null;
    const version =
      typeof v?.worker === 'string' ? `${v.worker} ${String(v.protocol)}` : JSON.stringify(result.version);
    state.event(
      `readiness: version ${version}; doctor ${d ? `${d.pass} pass, ${d.warning} warning, ${d.error} error` : `unavailable (${result.errors.doctor})`}; capability metadata lists ${result.metadataCommands?.join(', ') ?? `nothing (${result.errors.metadata})`}`,
    );
  };
}
