import { describe, expect, it } from 'vitest';
import type { SupervisorRequest } from '../../src/protocol/port-messages.js';
import { MAX_REFS, RefNamer } from '../../src/worker/request-client.js';
import { RefTable } from '../../threads/request-refs.js';

const session = { projectRoot: '/p', mode: 'lake', imports: ['Mathlib'], importProfile: 'full' } as never;
const rowSchema = { json: { type: 'object', properties: { i: { type: 'number' } } }, preservesValue: true };
const summarySchema = { json: { type: 'object' }, preservesValue: true };

function request(id: number, schemas?: SupervisorRequest['schemas']): SupervisorRequest {
  return {
    id,
    generation: 0,
    request: { op: 'run_data_stream', export: 'rows', request_json: '{}', progress: false },
    timeoutMs: 0,
    idleTimeoutMs: 0,
    session,
    ...(schemas ? { schemas } : {}),
  };
}

/** What crosses the port: a structured clone, as postMessage makes it. */
const cross = <T>(value: T): T => structuredClone(value);

describe('request references', () => {
  it('sends each session and schema object once and rebuilds every request as it was', () => {
    const namer = new RefNamer();
    const table = new RefTable();
    const sent = [
      request(1, { row: rowSchema, summary: summarySchema }),
      request(2, { row: rowSchema, summary: summarySchema }),
      request(3, { response: rowSchema }),
    ];
    const defsSent: number[] = [];
    const resolved = sent.map((spec) => {
      const named = cross(namer.name(spec));
      defsSent.push(named.refs?.defs.length ?? 0);
      expect('session' in named.spec || 'schemas' in named.spec).toBe(false);
      return table.resolve(named.spec, named.refs);
    });
    expect(defsSent).toEqual([3, 0, 0]);
    for (const [i, spec] of resolved.entries()) expect(spec).toEqual(sent[i]);
    // The same object comes back each time on the receiving side.
    const [a, b] = resolved as SupervisorRequest[];
    expect(a?.schemas?.row).toBe(b?.schemas?.row);
  });

  it('starts afresh after MAX_REFS objects, and the table forgets the old ones', () => {
    const namer = new RefNamer();
    const table = new RefTable();
    let resets = 0;
    let last: ReturnType<RefNamer['name']> | undefined;
    // The first request names the session and a row schema, every later one a new row schema.
    for (let i = 0; i <= MAX_REFS; i++) {
      last = cross(namer.name(request(i, { row: { json: { i }, preservesValue: true } })));
      if (last.refs?.reset) {
        resets += 1;
        // Numbering starts afresh: the session is named again, with the new schema.
        expect(last.refs.defs.map(([ref]) => ref)).toEqual([0, 1]);
      }
      expect(table.resolve(last.spec, last.refs)).toEqual(
        request(i, { row: { json: { i }, preservesValue: true } }),
      );
    }
    expect(resets).toBe(1);
    const stale = {
      spec: last?.spec as SupervisorRequest,
      refs: { fields: { row: MAX_REFS - 1 }, defs: [], reset: false },
    };
    expect(() => table.resolve(stale.spec, stale.refs)).toThrow(/never sent/);
  });

  it('names everything afresh after a request that may not have arrived', () => {
    const namer = new RefNamer();
    namer.name(request(1, { row: rowSchema }));
    namer.forget();
    const again = namer.name(request(2, { row: rowSchema }));
    expect(again.refs?.reset).toBe(true);
    expect(again.refs?.defs.length).toBe(2);
    const table = new RefTable();
    expect(table.resolve(again.spec, again.refs)).toEqual(request(2, { row: rowSchema }));
  });

  it('leaves a request without session or schemas as it is', () => {
    const spec = { id: 1, generation: 0, request: { op: 'health' }, timeoutMs: 0, idleTimeoutMs: 0 } as never;
    expect(new RefNamer().name(spec)).toEqual({ spec, refs: undefined });
  });
});
