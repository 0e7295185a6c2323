/**
 * Frame encoders that emit keys in the order the Rust peer writes and expects: `version`, then
 * `message` with `type` before `body`, struct fields in declaration order. Each builder copies
 * fields explicitly so the caller's property order never leaks onto the wire.
 */
import { encodeFrameText } from './codec.js';
import { DEFAULT_FRAME_BYTES, PROTOCOL_VERSION } from './constants.js';
import type {
  CapabilityMetadata,
  DoctorReport,
  HostSessionMode,
  ImportStats,
  Request,
  Response,
  StreamSummaryWire,
} from './messages.js';

/** Serialise `{version, message: {type, body}}` to JSON text. */
export function frameJson(type: string, body: unknown): string {
  return JSON.stringify({ version: PROTOCOL_VERSION, message: { type, body } });
}

function mode(m: HostSessionMode): HostSessionMode {
  return m.kind === 'capability'
    ? { kind: 'capability', package: m.package, lib_name: m.lib_name, manifest_path: m.manifest_path }
    : { kind: 'shims_only' };
}

/** A request body with its fields in wire order. */
export function orderRequest(r: Request): Request {
  switch (r.op) {
    case 'health':
    case 'terminate':
      return { op: r.op };
    case 'open_host_session':
      return {
        op: r.op,
        project_root: r.project_root,
        mode: mode(r.mode),
        imports: [...r.imports],
        import_profile: r.import_profile,
      };
    case 'run_data_stream':
      return { op: r.op, export: r.export, request_json: r.request_json, progress: r.progress };
    case 'json_command':
    case 'capability_metadata':
    case 'capability_doctor':
      return { op: r.op, export: r.export, request_json: r.request_json };
  }
}

function stats(s: ImportStats): ImportStats {
  return {
    direct_import_names: [...s.direct_import_names],
    effective_module_count: s.effective_module_count,
    compacted_region_count: s.compacted_region_count,
    memory_mapped_region_count: s.memory_mapped_region_count,
    compacted_region_bytes: s.compacted_region_bytes,
    memory_mapped_region_bytes: s.memory_mapped_region_bytes,
    non_memory_mapped_region_bytes: s.non_memory_mapped_region_bytes,
    imported_bytes: s.imported_bytes,
    imported_constant_count: s.imported_constant_count,
    extension_count: s.extension_count,
    total_imported_extension_entries: s.total_imported_extension_entries,
    import_level: s.import_level,
    import_all: s.import_all,
    load_exts: s.load_exts,
  };
}

function summary(s: StreamSummaryWire): StreamSummaryWire {
  // BTreeMap on the Rust side: stream names in sorted order.
  const counts: Record<string, number> = {};
  for (const key of Object.keys(s.per_stream_counts).sort()) counts[key] = s.per_stream_counts[key] as number;
  return {
    total_rows: s.total_rows,
    per_stream_counts: counts,
    elapsed_micros: s.elapsed_micros,
    metadata: s.metadata,
  };
}

function metadata(m: CapabilityMetadata): CapabilityMetadata {
  return {
    commands: m.commands.map((c) => ({ name: c.name, version: c.version })),
    capabilities: m.capabilities.map((c) => ({ name: c.name, version: c.version })),
    lean_version: m.lean_version,
    extra: m.extra,
  };
}

function doctor(r: DoctorReport): DoctorReport {
  return {
    diagnostics: r.diagnostics.map((d) => ({
      severity: d.severity,
      code: d.code,
      message: d.message,
      details: d.details,
    })),
    metadata: r.metadata,
  };
}

/** A response body with its fields in wire order. */
export function orderResponse(r: Response): Response {
  switch (r.status) {
    case 'health_ok':
    case 'terminating':
      return { status: r.status };
    case 'host_session_opened':
    case 'host_session_reused':
      return { status: r.status, import_stats: stats(r.import_stats) };
    case 'stream_complete':
      return { status: r.status, summary: summary(r.summary) };
    case 'stream_export_failed':
      return { status: r.status, status_byte: r.status_byte };
    case 'stream_callback_failed':
      return { status: r.status, status_byte: r.status_byte, description: r.description };
    case 'stream_row_malformed':
    case 'capability_metadata_malformed':
    case 'capability_doctor_malformed':
      return { status: r.status, message: r.message };
    case 'capability_metadata':
      return { status: r.status, metadata: metadata(r.metadata) };
    case 'capability_doctor':
      return { status: r.status, report: doctor(r.report) };
    case 'json_command':
      return { status: r.status, response_json: r.response_json };
    case 'rows_complete':
      return { status: r.status, count: r.count };
    case 'error':
      return { status: r.status, code: r.code, message: r.message };
  }
}

/** Parent to child: a request frame. */
export function encodeRequest(r: Request, maxFrameBytes: number = DEFAULT_FRAME_BYTES): Buffer {
  return encodeFrameText(frameJson('request', orderRequest(r)), maxFrameBytes);
}

/** Parent to child: the frame-limit frame sent right after the handshake. */
export function encodeConfigureFrameLimit(maxFrameBytes: number): Buffer {
  return encodeFrameText(frameJson('configure_frame_limit', { max_frame_bytes: maxFrameBytes }));
}

/** Child to parent: the first frame. */
export function encodeHandshake(workerVersion: string, protocolVersion: number = PROTOCOL_VERSION): Buffer {
  return encodeFrameText(
    frameJson('handshake', { worker_version: workerVersion, protocol_version: protocolVersion }),
  );
}

/** Child to parent: the terminal response. */
export function encodeResponse(r: Response, maxFrameBytes: number = DEFAULT_FRAME_BYTES): Buffer {
  return encodeFrameText(frameJson('response', orderResponse(r)), maxFrameBytes);
}

/** Child to parent: a diagnostic. */
export function encodeDiagnostic(code: string, message: string, maxFrameBytes = DEFAULT_FRAME_BYTES): Buffer {
  return encodeFrameText(frameJson('diagnostic', { code, message }), maxFrameBytes);
}

/** Child to parent: a progress tick. */
export function encodeProgressTick(
  phase: string,
  current: number,
  total: number | null,
  maxFrameBytes = DEFAULT_FRAME_BYTES,
): Buffer {
  return encodeFrameText(frameJson('progress_tick', { phase, current, total }), maxFrameBytes);
}

/**
 * Child to parent: a data row whose payload is already JSON text, kept verbatim (the Rust side
 * holds it as a `RawValue`). The payload text must be one valid JSON value.
 */
export function encodeDataRowRaw(
  stream: string,
  sequence: number,
  payloadJson: string,
  maxFrameBytes = DEFAULT_FRAME_BYTES,
): Buffer {
  const text = `{"version":${PROTOCOL_VERSION},"message":{"type":"data_row","body":{"stream":${JSON.stringify(
    stream,
  )},"sequence":${sequence},"payload":${payloadJson}}}}`;
  return encodeFrameText(text, maxFrameBytes);
}

/** Child to parent: the fatal-exit notice (defined by the protocol; the Rust child never sends it). */
export function encodeFatalExit(status: string, stderr: string, maxFrameBytes = DEFAULT_FRAME_BYTES): Buffer {
  return encodeFrameText(frameJson('fatal_exit', { status, stderr }), maxFrameBytes);
}
