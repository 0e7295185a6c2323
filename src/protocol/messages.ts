/**
 * Message schemas of protocol v10's generic subset. Field names and order follow the Rust peer
 * (`lean-rs-worker-protocol`): adjacently tagged messages `{type, body}`, requests tagged by `op`,
 * responses by `status`, host session modes by `kind`, `Option<T>` as JSON `null`.
 */
import { z } from 'zod';
import type { Checked, childBodyChecks } from './child-checks.js';
import { importProfileSchema } from './import-profile.js';

export { type ImportProfile, importProfileSchema } from './import-profile.js';

const u32 = z.number().int().nonnegative().max(0xffff_ffff);

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
    import_profile: importProfileSchema(),
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

export const configureFrameLimitSchema = z.object({ max_frame_bytes: u32 });

/** The child-to-parent bodies, as the checks of `child-checks.ts` (no zod) give them. */
type Body<K extends keyof typeof childBodyChecks> = Checked<(typeof childBodyChecks)[K]>;
export type Handshake = Body<'handshake'>;
export type Response = Body<'response'>;
export type ResponseStatus = Response['status'];
export type ImportStats = Extract<Response, { status: 'host_session_opened' }>['import_stats'];
export type StreamSummaryWire = Extract<Response, { status: 'stream_complete' }>['summary'];
export type DiagnosticWire = Body<'diagnostic'>;
export type ProgressTickWire = Body<'progress_tick'>;
export type DataRowWire = { stream: string; sequence: number; payload: unknown };
export type FatalExitWire = Body<'fatal_exit'>;

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
