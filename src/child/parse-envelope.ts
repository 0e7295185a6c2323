/**
 * Child-side parsing of the strings a streaming export emits, with the original child's
 * precedence: diagnostic > progress > metadata > row. Every field is type-checked first (the
 * Rust child deserialises the whole envelope before it looks at any field), then the first
 * non-null kind wins.
 */

/** One parsed envelope, or the reason it was rejected. */
export type EnvelopeEvent =
  | { readonly kind: 'row'; readonly stream: string; readonly payloadJson: string }
  | { readonly kind: 'diagnostic'; readonly code: string; readonly message: string }
  | {
      readonly kind: 'progress';
      readonly phase: string;
      readonly current: number;
      readonly total: number | null;
    }
  | { readonly kind: 'metadata'; readonly value: unknown }
  | { readonly kind: 'malformed'; readonly message: string };

const ROW_PREFIX = '{"stream":"';
const PAYLOAD_KEY = ',"payload":';

const malformed = (message: string): EnvelopeEvent => ({ kind: 'malformed', message });

/** The envelope does not deserialise: the original child's serde error. */
const invalid = (detail: string) => malformed(`row callback payload is not valid JSON: ${detail}`);

const isU64 = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= 0;

/** A JSON object (not null, not an array). */
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const present = (value: unknown): boolean => value !== undefined && value !== null;

/** A string, null or absent. */
const optionalString = (value: unknown): boolean => !present(value) || typeof value === 'string';

/**
 * Fast path for the exact shape `row()` and the Lean helper build, keeping the payload text
 * byte for byte (the original keeps it as a raw JSON value). Returns undefined to fall back.
 */
function parseHelperRow(raw: string): EnvelopeEvent | undefined {
  if (!raw.startsWith(ROW_PREFIX) || raw.charCodeAt(raw.length - 1) !== 0x7d) return undefined;
  let i = ROW_PREFIX.length;
  for (; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22) break;
  }
  if (i >= raw.length || !raw.startsWith(PAYLOAD_KEY, i + 1)) return undefined;
  const payloadJson = raw.slice(i + 1 + PAYLOAD_KEY.length, raw.length - 1);
  try {
    const stream: unknown = JSON.parse(raw.slice(ROW_PREFIX.length - 1, i + 1));
    if (typeof stream !== 'string' || stream === '') return undefined;
    if (JSON.parse(payloadJson) === null) return undefined;
    return { kind: 'row', stream, payloadJson };
  } catch {
    return undefined;
  }
}

/** Parse one emitted envelope string. Never throws. */
export function parseEnvelope(raw: string): EnvelopeEvent {
  const fast = parseHelperRow(raw);
  if (fast) return fast;
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (error) {
    return invalid((error as Error).message);
  }
  if (!isObject(value)) return invalid('expected an object');
  const { stream, payload, diagnostic, progress, metadata } = value;
  if (!optionalString(stream)) return invalid('`stream` must be a string');
  if (present(diagnostic)) {
    if (!isObject(diagnostic)) return invalid('`diagnostic` must be an object');
    if (!optionalString(diagnostic.code) || !optionalString(diagnostic.message))
      return invalid('diagnostic fields must be strings');
  }
  if (present(progress)) {
    if (!isObject(progress)) return invalid('`progress` must be an object');
    if (!optionalString(progress.phase)) return invalid('progress `phase` must be a string');
    if (!isU64(progress.current)) return invalid('progress `current` must be a u64');
    if (present(progress.total) && !isU64(progress.total))
      return invalid('progress `total` must be a u64 or null');
  }
  if (isObject(diagnostic)) {
    const { code, message } = diagnostic as { code?: string | null; message?: string | null };
    if (!code) return malformed('diagnostic callback payload must contain a non-empty string field `code`');
    if (typeof message !== 'string')
      return malformed('diagnostic callback payload must contain a string field `message`');
    return { kind: 'diagnostic', code, message };
  }
  if (isObject(progress)) {
    const { phase, current, total } = progress as {
      phase?: string | null;
      current: number;
      total?: number | null;
    };
    if (!phase) return malformed('progress callback payload must contain a non-empty string field `phase`');
    return { kind: 'progress', phase, current, total: total ?? null };
  }
  if (present(metadata)) return { kind: 'metadata', value: metadata };
  if (!stream) return malformed('row callback payload must contain a non-empty string field `stream`');
  if (!present(payload)) return malformed('row callback payload must contain field `payload`');
  return { kind: 'row', stream: stream as string, payloadJson: JSON.stringify(payload) };
}
