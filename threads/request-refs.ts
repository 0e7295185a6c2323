/**
 * Objects that come with request after request (the session to reopen, the command's JSON
 * Schemas) cross the request port once: the main thread names each by a number the first time it
 * sends it (`SpecRefs`), and this table gives the same object back for that number afterwards.
 * Besides a structured clone per request, this saves the supervisor from looking a schema up by
 * its text: the checker cache sees one object per schema.
 */
import { type AnySupervisorRequest, SCHEMA_FIELDS, type SpecRefs } from '../src/protocol/thread-contract.js';
import type { SessionOpenSpec } from '../src/protocol/worker-spec.js';

export class RefTable {
  readonly #objects = new Map<number, object>();

  /**
   * The request as the sender built it, every reference replaced by its object. `spec` is the
   * receiver's own copy (a structured clone), so it is completed in place.
   */
  resolve(spec: AnySupervisorRequest, refs: SpecRefs | undefined): AnySupervisorRequest {
    if (!refs) return spec;
    if (refs.reset) this.#objects.clear();
    for (const [ref, value] of refs.defs) this.#objects.set(ref, value);
    const { fields } = refs;
    const out = spec as { session?: SessionOpenSpec; schemas?: Record<string, object> };
    if (fields.session !== undefined) out.session = this.#get(fields.session) as SessionOpenSpec;
    const schemas: Record<string, object> = {};
    for (const field of SCHEMA_FIELDS) {
      const ref = fields[field];
      if (ref !== undefined) schemas[field] = this.#get(ref);
    }
    if (Object.keys(schemas).length > 0) out.schemas = schemas;
    return spec;
  }

  #get(ref: number): object {
    const value = this.#objects.get(ref);
    if (value === undefined) throw new Error(`request names object ${ref}, which was never sent`);
    return value;
  }
}
