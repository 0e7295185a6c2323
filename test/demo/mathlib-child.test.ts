/**
 * The Mathlib-scale child on raw frames: an open costs private memory that grows with the import
 * set, reopening a held import set is a reuse that costs nothing, and a later distinct import set
 * adds its memory on top, as later imports in one Lean process do.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { demoPath } from '../../demo/paths.js';
import { ChildHarness, call, open, stream } from '../child/harness.js';

/** The demo's Mathlib-shaped child on raw frames, without a capability manifest (`--lenient`). */
function startMathlibChild(args: readonly string[]): ChildHarness {
  return new ChildHarness(process.execPath, [demoPath('children/mathlib-child'), '--lenient', ...args]);
}

function rssAnonKib(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'latin1');
  return Number(/\nRssAnon:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

const BASE_KIB = 16_384;
const PER_IMPORT_KIB = 8_192;

describe('Mathlib-scale child sessions', () => {
  it.runIf(process.platform === 'linux')(
    'charges memory by import set, reuses a held set, and adds memory for a distinct set',
    async () => {
      const child = startMathlibChild([
        '--time-scale=0',
        `--open-base-kib=${BASE_KIB}`,
        `--open-kib-per-import=${PER_IMPORT_KIB}`,
      ]);
      await child.handshake();
      const pid = child.proc.pid as number;
      const before = rssAnonKib(pid);

      const first = await child.call(open(['Mathlib.Order.Basic', 'Mathlib.Data.Nat.Defs']));
      expect(first.response).toMatchObject({
        status: 'host_session_opened',
        import_stats: { effective_module_count: 2, imported_bytes: (BASE_KIB + 2 * PER_IMPORT_KIB) * 1024 },
      });
      const afterFirst = rssAnonKib(pid);
      expect(afterFirst - before).toBeGreaterThan(0.9 * (BASE_KIB + 2 * PER_IMPORT_KIB));

      const again = await child.call(open(['Mathlib.Order.Basic', 'Mathlib.Data.Nat.Defs']));
      expect(again.response.status).toBe('host_session_reused');
      expect(rssAnonKib(pid) - afterFirst).toBeLessThan(PER_IMPORT_KIB);

      const other = await child.call(open(['Mathlib.Topology.Order.Defs']));
      expect(other.response).toMatchObject({
        status: 'host_session_opened',
        import_stats: { effective_module_count: 1, imported_bytes: (BASE_KIB + PER_IMPORT_KIB) * 1024 },
      });
      expect(rssAnonKib(pid) - afterFirst).toBeGreaterThan(0.9 * (BASE_KIB + PER_IMPORT_KIB));

      const info = await child.call(call('json_command', 'session_info'));
      expect(info.response.status).toBe('json_command');
      if (info.response.status === 'json_command') {
        expect(JSON.parse(info.response.response_json)).toEqual({
          imports: ['Mathlib.Topology.Order.Defs'],
          opens: 2,
          heldKib: 2 * BASE_KIB + 3 * PER_IMPORT_KIB,
        });
      }
    },
  );

  it('refuses a streaming request without modules with a typed error and keeps serving', async () => {
    const child = startMathlibChild(['--time-scale=0']);
    await child.handshake();
    const bad = await child.call(stream('index', { modules: [] }));
    expect(bad.response).toMatchObject({ status: 'error', code: 'mathlib.bad_request' });
    const version = await child.call(call('json_command', 'version'));
    expect(version.response.status).toBe('json_command');
  });
});
