/**
 * The check made before a request leaves the main thread: a worker export must be declared by the
 * capability's manifest for the command kind the request uses, as the real child binds exports
 * only through the manifest. A failure here sends nothing and leaves the lease usable.
 */
import { ErrorCode, type LeanWorkerError, makeError } from '../errors.js';
import type { Request } from '../protocol/messages.js';
import type { ReplJob } from '../protocol/repl-work.js';
import type { DeclaredExports } from '../protocol/worker-spec.js';

const KIND_OF_OP: Readonly<Record<string, 'stream' | 'json'>> = {
  run_data_stream: 'stream',
  json_command: 'json',
  capability_metadata: 'json',
  capability_doctor: 'json',
};

/** Null when `request` may be sent; else the typed `EXPORT_NOT_DECLARED` error. */
export function undeclaredExport(
  declared: DeclaredExports | undefined,
  request: Request | ReplJob,
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
