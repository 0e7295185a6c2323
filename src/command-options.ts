/**
 * Per-command options of a lease, validated once per call with a strict schema: a misspelt option
 * is an INVALID_OPTIONS error, never silently ignored.
 */
import { z } from 'zod';
import { lazySchema, parseOptions } from './parse-options.js';
import { MAX_TIMER_MS } from './protocol/constants.js';
import type { DiagnosticItem, ProgressItem } from './protocol/port-messages.js';

const callback = <T>() =>
  z.custom<(event: T) => void>((v) => typeof v === 'function', { message: 'expected a function' });

function buildCommandOptionsSchema() {
  return z
    .object({
      signal: z.instanceof(AbortSignal).optional(),
      /** Total deadline of this command; defaults to the lease's, then the worker's. */
      timeoutMs: z.number().int().positive().max(MAX_TIMER_MS).optional(),
      /** Deadline with no frame from the child; 0 disables. */
      idleTimeoutMs: z.number().int().nonnegative().max(MAX_TIMER_MS).optional(),
      onDiagnostic: callback<DiagnosticItem>().optional(),
      /** Progress the export reports (Lean progress envelopes, chunk progress). */
      onProgress: callback<ProgressItem>().optional(),
      /**
       * Also ask the child for a `data_stream` progress tick after every row (the protocol's
       * `progress: true`). Costs a frame per row; off by default.
       */
      rowProgress: z.boolean().optional(),
    })
    .strict();
}

/** Per-command options. */
export type LeanWorkerCommandOptions = z.input<ReturnType<typeof buildCommandOptionsSchema>>;

/** Built and compiled on the first command that passes options, not on import. */
const compiledSchema = lazySchema(() => z.compile(buildCommandOptionsSchema()));

/** Validate command options; an unknown or mistyped option is INVALID_OPTIONS. */
export function checkCommandOptions(options: unknown): void {
  if (options !== undefined) parseOptions(compiledSchema(), options, 'command options');
}
