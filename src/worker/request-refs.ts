/**
 * The sending side of `threads/request-refs.ts`: names the session and schema objects of a request
 * by number, sending each object itself only the first time. Numbering starts afresh (and tells
 * the supervisor so) once `MAX_REFS` objects were named, so commands defined on the fly do not
 * grow the supervisor's table without bound.
 */
import type { AnySupervisorRequest } from '../protocol/thread-contract.js';
import { type RefField, SCHEMA_FIELDS, type SpecRefs } from '../protocol/thread-contract.js';

/** Objects named before the numbering starts afresh. */
export const MAX_REFS = 256;

export class RefNamer {
  #ids = new WeakMap<object, number>();
  #next = 0;
  #reset = false;

  /** The request without its session and schemas, and the references that replace them. */
  name(spec: AnySupervisorRequest): { spec: AnySupervisorRequest; refs: SpecRefs | undefined } {
    if (!('schemas' in spec || 'session' in spec)) return { spec, refs: undefined };
    const { session, schemas } = spec;
    // Built field by field: a rest pattern costs more than the rest of naming on this hot path.
    const rest = {
      id: spec.id,
      generation: spec.generation,
      request: spec.request,
      timeoutMs: spec.timeoutMs,
      idleTimeoutMs: spec.idleTimeoutMs,
    };
    if (this.#next >= MAX_REFS) this.forget();
    const fields: Partial<Record<RefField, number>> = {};
    const defs: [number, object][] = [];
    if (session) fields.session = this.#ref(session, defs);
    for (const field of SCHEMA_FIELDS) {
      const schema = schemas?.[field];
      if (schema) fields[field] = this.#ref(schema, defs);
    }
    const refs: SpecRefs = { fields, defs, reset: this.#reset };
    this.#reset = false;
    return { spec: rest as AnySupervisorRequest, refs };
  }

  /**
   * Name everything afresh from the next request on: after `MAX_REFS` objects, or when a request
   * may not have arrived (its post failed).
   */
  forget(): void {
    this.#ids = new WeakMap();
    this.#next = 0;
    this.#reset = true;
  }

  #ref(value: object, defs: [number, object][]): number {
    let id = this.#ids.get(value);
    if (id === undefined) {
      id = this.#next++;
      this.#ids.set(value, id);
      defs.push([id, value]);
    }
    return id;
  }
}
