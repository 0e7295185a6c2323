/**
 * Capability metadata comparison: deep equality, except that the `commands` and `capabilities`
 * lists are compared as sets (order-insensitive).
 */
import { ErrorCode, MetadataMismatchError } from '../errors.js';
import { canonicalJson } from './canonical-json.js';

const SET_LISTS = ['commands', 'capabilities'] as const;

/** Canonical text of metadata: keys sorted, `commands`/`capabilities` entries sorted. */
export function canonicalMetadata(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return canonicalJson(value);
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of SET_LISTS) {
    const list = copy[key];
    if (Array.isArray(list)) copy[key] = [...list].map(canonicalJson).sort();
  }
  return canonicalJson(copy);
}

/** True when `actual` equals `expected` under the metadata comparison rules. */
export function metadataMatches(expected: unknown, actual: unknown): boolean {
  return canonicalMetadata(expected) === canonicalMetadata(actual);
}

/**
 * Compare reported metadata with an expectation. Returns null on a match, else a
 * `METADATA_MISMATCH` error whose facts carry the export and both values.
 */
export function compareMetadata(
  exportName: string,
  expected: unknown,
  actual: unknown,
): MetadataMismatchError | null {
  if (metadataMatches(expected, actual)) return null;
  return new MetadataMismatchError(
    ErrorCode.METADATA_MISMATCH,
    `capability metadata from \`${exportName}\` did not match the expectation`,
    { facts: { export: exportName, expected, actual } },
  );
}
