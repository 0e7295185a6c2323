/**
 * Canonical JSON: object keys sorted, so equal values always print the same text. The child kit
 * re-serialises the free-form values it parsed (metadata, doctor details) this way, as the
 * original child's ordered JSON maps do.
 */

/** Serialise `value` with sorted object keys (arrays keep their order). */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

/** `value` with object keys sorted at every level and undefined members dropped. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}
