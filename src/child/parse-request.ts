/**
 * The parent's frames as the child reads them, checked by hand: the same acceptance as the
 * protocol's zod schemas (`requestSchema`, `configureFrameLimitSchema` in `protocol/messages.ts`,
 * unknown keys dropped as `z.object` drops them), so a child built with the kit starts without
 * loading zod. A test holds the two to the same answers.
 */
import type { HostSessionMode, ImportProfile, Request } from '../protocol/messages.js';
import { isObject } from './parse-envelope.js';

const IMPORT_PROFILES: ReadonlySet<string> = new Set([
  'exported-public',
  'server',
  'private',
  'full-private-compat',
]);

type Fields = Record<string, unknown>;

const isString = (value: unknown): value is string => typeof value === 'string';

function hostSessionMode(value: unknown): HostSessionMode | null {
  if (!isObject(value)) return null;
  if (value.kind === 'shims_only') return { kind: 'shims_only' };
  if (value.kind !== 'capability') return null;
  const { package: pkg, lib_name, manifest_path } = value;
  if (!isString(pkg) || !isString(lib_name) || !(manifest_path === null || isString(manifest_path))) {
    return null;
  }
  return { kind: 'capability', package: pkg, lib_name, manifest_path };
}

function exportCall(body: Fields): { export: string; request_json: string } | null {
  return isString(body.export) && isString(body.request_json)
    ? { export: body.export, request_json: body.request_json }
    : null;
}

/** A request body, or null when it is not one the protocol defines. */
export function parseRequest(body: unknown): Request | null {
  if (!isObject(body)) return null;
  switch (body.op) {
    case 'health':
      return { op: 'health' };
    case 'terminate':
      return { op: 'terminate' };
    case 'open_host_session': {
      const mode = hostSessionMode(body.mode);
      const { project_root, imports, import_profile } = body;
      if (
        mode === null ||
        !isString(project_root) ||
        !Array.isArray(imports) ||
        !imports.every(isString) ||
        !isString(import_profile) ||
        !IMPORT_PROFILES.has(import_profile)
      ) {
        return null;
      }
      return {
        op: 'open_host_session',
        project_root,
        mode,
        imports: [...imports],
        import_profile: import_profile as ImportProfile,
      };
    }
    case 'run_data_stream': {
      const call = exportCall(body);
      if (call === null || typeof body.progress !== 'boolean') return null;
      return { op: 'run_data_stream', ...call, progress: body.progress };
    }
    case 'json_command':
    case 'capability_metadata':
    case 'capability_doctor': {
      const call = exportCall(body);
      return call === null ? null : { op: body.op, ...call };
    }
    default:
      return null;
  }
}

/** `configure_frame_limit`'s `max_frame_bytes` (an unsigned 32-bit integer), or null. */
export function parseFrameLimit(body: unknown): number | null {
  if (!isObject(body)) return null;
  const bytes = body.max_frame_bytes;
  return typeof bytes === 'number' && Number.isInteger(bytes) && bytes >= 0 && bytes <= 0xffff_ffff
    ? bytes
    : null;
}
