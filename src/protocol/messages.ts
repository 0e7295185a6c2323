/**
 * Message schemas of protocol v10's generic subset. Field names and order follow the Rust peer
 * (`lean-rs-worker-protocol`): adjacently tagged messages `{type, body}`, requests tagged by `op`,
 * responses by `status`, host session modes by `kind`, `Option<T>` as JSON `null`.
 */
import { z } from 'zod';
import { importProfileSchema } from './import-profile.js';

export { type ImportProfile, importProfileSchema } from './import-profile.js';

const u64 = z.number().int().nonnegative();
const u32 = z.number().int().nonnegative().max(0xffff_ffff);
const u8 = z.number().int().nonnegative().max(255);

export const hostSessionModeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('capability'),
    package: z.string(),
    lib_name: z.string(),
    manifest_path: z.string().nullable(),
  }),
  z.object({ kind: z.literal('shims_only') }),
]);
export type HostSessionMode = z.infer<typeof hostSessionModeSchema>;

export const importStatsSchema = z.object({
  direct_import_names: z.array(z.string()),
  effective_module_count: u64,
  compacted_region_count: u64,
  memory_mapped_region_count: u64,
  compacted_region_bytes: u64,
  memory_mapped_region_bytes: u64,
  non_memory_mapped_region_bytes: u64,
  imported_bytes: u64,
  imported_constant_count: u64,
  extension_count: u64,
  total_imported_extension_entries: u64,
  import_level: z.string(),
  import_all: z.boolean(),
  load_exts: z.boolean(),
});
export type ImportStats = z.infer<typeof importStatsSchema>;

export const capabilityMetadataSchema = z.object({
  commands: z.array(z.object({ name: z.string(), version: z.string() })),
  capabilities: z.array(z.object({ name: z.string(), version: z.string() })),
  lean_version: z.string().nullable(),
  extra: z.unknown().nullable(),
});
export type CapabilityMetadata = z.infer<typeof capabilityMetadataSchema>;

export const doctorReportSchema = z.object({
  diagnostics: z.array(
    z.object({
      severity: z.enum(['pass', 'warning', 'error']),
      code: z.string(),
      message: z.string(),
      details: z.unknown().nullable(),
    }),
  ),
  metadata: z.unknown().nullable(),
});
export type DoctorReport = z.infer<typeof doctorReportSchema>;

export const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('health') }),
  z.object({
    op: z.literal('open_host_session'),
    project_root: z.string(),
    mode: hostSessionModeSchema,
    imports: z.array(z.string()),
    import_profile: importProfileSchema,
  }),
  z.object({
    op: z.literal('run_data_stream'),
    export: z.string(),
    request_json: z.string(),
    progress: z.boolean(),
  }),
  z.object({ op: z.literal('json_command'), export: z.string(), request_json: z.string() }),
  z.object({ op: z.literal('capability_metadata'), export: z.string(), request_json: z.string() }),
  z.object({ op: z.literal('capability_doctor'), export: z.string(), request_json: z.string() }),
  z.object({ op: z.literal('terminate') }),
]);
export type Request = z.infer<typeof requestSchema>;
export type RequestOp = Request['op'];

export const streamSummarySchema = z.object({
  total_rows: u64,
  per_stream_counts: z.record(z.string(), u64),
  elapsed_micros: u64,
  metadata: z.unknown().nullable(),
});
export type StreamSummaryWire = z.infer<typeof streamSummarySchema>;

export const responseSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('health_ok') }),
  z.object({ status: z.literal('host_session_opened'), import_stats: importStatsSchema }),
  z.object({ status: z.literal('host_session_reused'), import_stats: importStatsSchema }),
  z.object({ status: z.literal('stream_complete'), summary: streamSummarySchema }),
  z.object({ status: z.literal('stream_export_failed'), status_byte: u8 }),
  z.object({ status: z.literal('stream_callback_failed'), status_byte: u8, description: z.string() }),
  z.object({ status: z.literal('stream_row_malformed'), message: z.string() }),
  z.object({ status: z.literal('capability_metadata'), metadata: capabilityMetadataSchema }),
  z.object({ status: z.literal('capability_doctor'), report: doctorReportSchema }),
  z.object({ status: z.literal('capability_metadata_malformed'), message: z.string() }),
  z.object({ status: z.literal('capability_doctor_malformed'), message: z.string() }),
  z.object({ status: z.literal('json_command'), response_json: z.string() }),
  z.object({ status: z.literal('rows_complete'), count: u64 }),
  z.object({ status: z.literal('terminating') }),
  z.object({ status: z.literal('error'), code: z.string(), message: z.string() }),
]);
export type Response = z.infer<typeof responseSchema>;
export type ResponseStatus = Response['status'];

export const handshakeSchema = z.object({ worker_version: z.string(), protocol_version: z.number().int() });
export type Handshake = z.infer<typeof handshakeSchema>;
export const configureFrameLimitSchema = z.object({ max_frame_bytes: u32 });
export const diagnosticSchema = z.object({ code: z.string(), message: z.string() });
export type DiagnosticWire = z.infer<typeof diagnosticSchema>;
export const progressTickSchema = z.object({ phase: z.string(), current: u64, total: u64.nullable() });
export type ProgressTickWire = z.infer<typeof progressTickSchema>;
export type DataRowWire = { stream: string; sequence: number; payload: unknown };
export const fatalExitSchema = z.object({ status: z.string(), stderr: z.string() });
export type FatalExitWire = z.infer<typeof fatalExitSchema>;

/** Every message kind of the protocol, with the direction it travels. */
export const MESSAGE_TYPES = [
  'handshake',
  'configure_frame_limit',
  'request',
  'response',
  'diagnostic',
  'progress_tick',
  'data_row',
  'fatal_exit',
] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];

/** A decoded child-to-parent message. */
export type ChildMessage =
  | { readonly type: 'handshake'; readonly body: Handshake }
  | { readonly type: 'response'; readonly body: Response }
  | { readonly type: 'diagnostic'; readonly body: DiagnosticWire }
  | { readonly type: 'progress_tick'; readonly body: ProgressTickWire }
  | {
      readonly type: 'data_row';
      readonly body: DataRowWire;
      /**
       * The payload's JSON text as the child wrote it, when the frame took the canonical row path:
       * parsing it gives a value equal to `body.payload`, so it can be forwarded as is instead of
       * being serialised again.
       */
      readonly payloadText?: string;
    }
  | { readonly type: 'fatal_exit'; readonly body: FatalExitWire };

/** A decoded parent-to-child message. */
export type ParentMessage =
  | { readonly type: 'configure_frame_limit'; readonly body: { max_frame_bytes: number } }
  | { readonly type: 'request'; readonly body: Request };
