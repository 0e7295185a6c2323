/**
 * Message types of protocol v10's generic subset. Field names and order follow the Rust peer
 * (`lean-rs-worker-protocol`): adjacently tagged messages `{type, body}`, requests tagged by `op`,
 * responses by `status`, host session modes by `kind`, `Option<T>` as JSON `null`.
 */
import { z } from 'zod';
import type { Checked, childBodyChecks, parentBodyChecks } from './wire-checks.js';

export type { ImportProfile } from './constants.js';

export const capabilityMetadataSchema = z.object({
  commands: z.array(z.object({ name: z.string(), version: z.string() })),
  capabilities: z.array(z.object({ name: z.string(), version: z.string() })),
  lean_version: z.string().nullable(),
  extra: z.unknown().nullable(),
});

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

/** The messages `checks` gives, one `{type, body}` per message type. */
type Messages<C> = { [K in keyof C]: { readonly type: K; readonly body: Checked<C[K]> } }[keyof C];

/** A decoded parent-to-child message. */
export type ParentMessage = Messages<typeof parentBodyChecks>;
export type Request = Checked<(typeof parentBodyChecks)['request']>;
export type HostSessionMode = Extract<Request, { op: 'open_host_session' }>['mode'];

export type Response = Checked<(typeof childBodyChecks)['response']>;
export type ImportStats = Extract<Response, { status: 'host_session_opened' }>['import_stats'];

/** A decoded child-to-parent message. */
export type ChildMessage =
  | Messages<Omit<typeof childBodyChecks, 'data_row'>>
  | {
      readonly type: 'data_row';
      readonly body: Checked<(typeof childBodyChecks)['data_row']>;
      /**
       * The payload's JSON text as the child wrote it, when the frame took the canonical row path:
       * parsing it gives a value equal to `body.payload`, so it can be forwarded as is instead of
       * being serialised again.
       */
      readonly payloadText?: string;
    };
