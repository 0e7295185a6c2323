/**
 * The protocol's zod schemas of the message bodies the library checks without zod
 * (`src/protocol/wire-checks.ts`): the reference the checks are held to, value by value.
 */
import { z } from 'zod';
import { IMPORT_PROFILES } from '../../src/protocol/constants.js';
import { capabilityMetadataSchema, doctorReportSchema } from '../../src/protocol/messages.js';

const u64 = z.number().int().nonnegative();
const u8 = z.number().int().nonnegative().max(255);
const u32 = z.number().int().nonnegative().max(0xffff_ffff);
const importStatsSchema = z.object({
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
const streamSummarySchema = z.object({
  total_rows: u64,
  per_stream_counts: z.record(z.string(), u64),
  elapsed_micros: u64,
  metadata: z.unknown().nullable(),
});
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
export const handshakeSchema = z.object({ worker_version: z.string(), protocol_version: z.number().int() });
export const dataRowSchema = z.object({ stream: z.string(), sequence: u64, payload: z.unknown() });
export const diagnosticSchema = z.object({ code: z.string(), message: z.string() });
export const progressTickSchema = z.object({ phase: z.string(), current: u64, total: u64.nullable() });
export const fatalExitSchema = z.object({ status: z.string(), stderr: z.string() });

const hostSessionModeSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('capability'),
    package: z.string(),
    lib_name: z.string(),
    manifest_path: z.string().nullable(),
  }),
  z.object({ kind: z.literal('shims_only') }),
]);
export const requestSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('health') }),
  z.object({
    op: z.literal('open_host_session'),
    project_root: z.string(),
    mode: hostSessionModeSchema,
    imports: z.array(z.string()),
    import_profile: z.enum(IMPORT_PROFILES),
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
export const configureFrameLimitSchema = z.object({ max_frame_bytes: u32 });
