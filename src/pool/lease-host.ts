/**
 * What a lease may ask of its worker: the generation, the policy check before a command,
 * running a request, cancelling it, cycling the worker, returning it, and its counters.
 *
 * Before a request leaves the main thread, a worker export must be declared by the capability's
 * manifest for the command kind the request uses, as the real child binds exports only through
 * the manifest. A failure there sends nothing and leaves the lease usable.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import type { LeaseHost, LeaseRequest } from '../lease-contract.js';
import type { DeclaredExports } from '../protocol/worker-spec.js';
import type { ResolvedPoolOptions } from './options.js';
import type { PoolWorker } from './worker.js';

const KIND_OF_OP: Readonly<Record<string, 'stream' | 'json'>> = {
  run_data_stream: 'stream',
  json_command: 'json',
  capability_metadata: 'json',
  capability_doctor: 'json',
};

/** Null when `request` may be sent; else the typed `EXPORT_NOT_DECLARED` error. */
function undeclaredExport(
  declared: DeclaredExports | undefined,
  request: LeaseRequest,
): LeanWorkerError | null {
  if (declared === undefined || !('export' in request) || typeof request.export !== 'string') return null;
  const kind = KIND_OF_OP[request.op];
  if (kind === undefined) return null;
  const has = Object.hasOwn(declared.kinds, request.export);
  const declaredKind = has ? declared.kinds[request.export] : undefined;
  if (declaredKind === kind) return null;
  const where = declared.manifestPath ?? 'no capability manifest (the builder declares no exports)';
  return makeError(
    ErrorCode.EXPORT_NOT_DECLARED,
    has
      ? `export ${request.export} is declared in ${where} for ${declaredKind ?? 'another ABI'}, not for ${request.op}`
      : `export ${request.export} is not declared in ${where}; declare it with the builder's \`commands\` or \`exports\``,
    {
      facts: {
        export: request.export,
        op: request.op,
        manifestPath: declared.manifestPath,
        declaredKind: declaredKind ?? null,
      },
    },
  );
}

// Request ids of leases; the supervisor routes each outcome and cancel by it.
let nextId = 1;

/** The host of a lease on `worker`; `release` returns the worker to admission. */
export function leaseHost(
  worker: PoolWorker,
  measure: ResolvedPoolOptions['memoryMeasure'],
  release: () => void,
): LeaseHost {
  return {
    beforeCommand: () => {
      const reason = worker.policyReason(measure);
      if (!reason) return null;
      void worker.cycle(reason).catch(() => {});
      return makeError(ErrorCode.LEASE_INVALIDATED, `pool policy cycled the worker (${reason})`, {
        facts: { reason, ...(reason === 'memory_ceiling' ? worker.memoryFacts(measure) : {}) },
      });
    },
    checkRequest: (request) => undeclaredExport(worker.resolved.exports, request),
    run: (request, options, stream) => {
      const id = nextId++;
      return { id, ...worker.startRequest(id, request, options, stream) };
    },
    cancel: (id, reason = 'aborted') => worker.handle.cancel(id, reason),
    consumerFailed: () => worker.stats.noteConsumerFailure(),
    release,
    cycle: () => worker.cycle('explicit'),
    // -1 once the worker can take no more work (shut down, or its thread ended).
    generation: () => (worker.handle.unusable ? -1 : worker.generation),
    snapshot: () => ({
      ...worker.stats.counters,
      generation: worker.generation,
      workerVersion: worker.stats.workerVersion,
      memory: worker.lastSample,
    }),
  };
}
