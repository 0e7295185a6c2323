/**
 * Envelope helpers: the exact strings the Lean-side `LeanRsInterop.Worker.Stream` helpers build.
 * A streaming export hands these to its `emit` callback; the child turns each into a `data_row`,
 * `diagnostic` or `progress_tick` frame, or keeps it as the terminal metadata.
 */

function hasControlChar(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) < 0x20) return true;
  return false;
}

/**
 * A JSON string literal as Lean's `Json.compress` writes it: `"`, `\` , `\n` and `\r` get short
 * escapes, every other control character becomes `\u00xx`, everything else is kept verbatim.
 */
export function jsonString(value: string): string {
  if (!hasControlChar(value)) return JSON.stringify(value);
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** Serialise a payload value, or take already-serialised JSON text as is. */
function payloadText(payload: unknown): string {
  if (payload instanceof RawJson) return payload.text;
  const text = JSON.stringify(payload);
  if (text === undefined) throw new TypeError('envelope payload is not JSON-serialisable');
  return text;
}

/**
 * JSON text that the helpers embed verbatim (the Lean helpers take payload JSON as text).
 * The text is not validated here; the child validates it when the envelope is parsed.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Wrap JSON text so `row` and `metadata` embed it without re-serialising. */
export function rawJson(text: string): RawJson {
  return new RawJson(text);
}

/** A row envelope: `{"stream":…,"payload":…}`. `payload` is a value, or `rawJson(text)`. */
export function row(stream: string, payload: unknown): string {
  return `{"stream":${jsonString(stream)},"payload":${payloadText(payload)}}`;
}

/** A diagnostic envelope: `{"diagnostic":{"code":…,"message":…}}`. */
export function diagnostic(code: string, message: string): string {
  return `{"diagnostic":{"code":${jsonString(code)},"message":${jsonString(message)}}}`;
}

/** A progress envelope: `{"progress":{"phase":…,"current":N[,"total":M]}}`; `total` omitted when absent. */
export function progress(phase: string, current: number, total?: number | null): string {
  const tail = total === undefined || total === null ? '' : `,"total":${total}`;
  return `{"progress":{"phase":${jsonString(phase)},"current":${current}${tail}}}`;
}

/** Progress for a zero-based chunk index: `progress(phase, chunkIndex + 1, totalChunks)`. */
export function chunkProgress(phase: string, chunkIndex: number, totalChunks: number): string {
  return progress(phase, chunkIndex + 1, totalChunks);
}

/** A metadata envelope: `{"metadata":…}`. The last one a stream emits becomes the summary metadata. */
export function metadata(value: unknown): string {
  return `{"metadata":${payloadText(value)}}`;
}

/** `ceil(itemCount / max(1, chunkSize))`, as the Lean helper `countChunks` computes it. */
export function countChunks(chunkSize: number, itemCount: number): number {
  return Math.ceil(itemCount / Math.max(1, chunkSize));
}
