/**
 * Nesting depth of JSON text, measured before the text is parsed or a parsed value is cloned.
 * Structured clone, `JSON.stringify` and zod all recurse once per level, so a value nested a few
 * thousand levels deep throws a `RangeError` wherever it goes next; a frame nested deeper than
 * the limit is refused where it is decoded instead. Pure: no I/O.
 */

/** Default bound on the nesting depth of a JSON value from a child (arrays and objects). */
export const DEFAULT_MAX_JSON_DEPTH = 1_000;
/** Largest bound a pool may set: values this deep still cross a MessagePort on the main thread. */
export const MAX_JSON_DEPTH_LIMIT = 2_000;

const OPEN_BRACKET = 0x5b;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACKET = 0x5d;
const CLOSE_BRACE = 0x7d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether the JSON text in `bytes[start, end)` (or the string `text`) nests arrays and objects
 * more than `maxDepth` levels deep. Brackets inside strings do not count. Text that is not JSON
 * gives some answer; the parser that follows rejects it either way.
 */
export function jsonDepthExceeds(
  bytes: Uint8Array | string,
  maxDepth: number,
  start = 0,
  end: number = bytes.length,
): boolean {
  // Every level takes an opening and a closing byte: short text cannot be too deep.
  if (end - start <= 2 * maxDepth) return false;
  const text = typeof bytes === 'string';
  let depth = 0;
  let inString = false;
  for (let i = start; i < end; i++) {
    const c = text ? (bytes as string).charCodeAt(i) : ((bytes as Uint8Array)[i] as number);
    if (inString) {
      if (c === BACKSLASH) i += 1;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (c === CLOSE_BRACKET || c === CLOSE_BRACE) depth -= 1;
  }
  return false;
}
