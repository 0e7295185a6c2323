/**
 * The supervisor thread's heap is sized (`supervisorResourceLimits`): it runs under the ceiling
 * its frame cap gives, and heavy rows (MiB-sized, nested, checked against a row schema in the
 * thread, so parsed there) still pass without the thread running out of memory.
 */
import { describe, expect, it } from 'vitest';
import {
  SUPERVISOR_HEAP_MB_PER_FRAME_MB,
  SUPERVISOR_OLD_GENERATION_MIN_MB,
  supervisorResourceLimits,
} from '../../src/worker/thread-entry.js';
import { drain, startSupervisor, succeeded } from '../helpers/supervisor.js';

const MIB = 1 << 20;

describe('supervisor thread resource limits', () => {
  it('grows the heap ceiling with the frame cap, never below the minimum', () => {
    expect(supervisorResourceLimits(MIB).maxOldGenerationSizeMb).toBe(SUPERVISOR_OLD_GENERATION_MIN_MB);
    expect(supervisorResourceLimits(64 * MIB).maxOldGenerationSizeMb).toBe(
      64 * SUPERVISOR_HEAP_MB_PER_FRAME_MB,
    );
    expect(supervisorResourceLimits(64 * MIB + 1).maxOldGenerationSizeMb).toBe(
      65 * SUPERVISOR_HEAP_MB_PER_FRAME_MB,
    );
  });

  it.each([
    ['the default frame cap', MIB],
    ['a 64 MiB frame cap', 64 * MIB],
  ])('runs the thread under the limits of %s', async (_name, maxFrameBytes) => {
    const sup = await startSupervisor('test-child', [], { launch: { maxFrameBytes } });
    const expected = supervisorResourceLimits(maxFrameBytes).maxOldGenerationSizeMb;
    expect(sup.handle.resourceLimits.maxOldGenerationSizeMb).toBe(expected);
    succeeded(await sup.call({ op: 'health' }));
  });

  it.each([
    ['1 MiB rows nested 64 deep', { count: 8, bytes: MIB, depth: 64 }, 2 * MIB],
    ['4 MiB rows nested 32 deep', { count: 6, bytes: 4 * MIB, depth: 32 }, 8 * MIB],
  ])(
    'passes %s checked in a limited thread',
    async (_name, params, maxFrameBytes) => {
      const sup = await startSupervisor('test-child', [], {
        launch: { maxFrameBytes, requestTimeoutMs: 60_000 },
      });
      const row = { type: 'object', properties: { d: { type: 'number' } }, required: ['d', 'inner'] };
      const s = sup.stream('heavy_rows', params, { schemas: { row: { json: row, preservesValue: true } } });
      let items = 0;
      const { rows, error } = await drain(s.stream, (r) => {
        let payload = r.payload as { inner?: unknown; items?: unknown[] };
        for (let d = 0; d < params.depth; d++) payload = payload.inner as typeof payload;
        items += payload.items?.length ?? 0;
      });
      expect(error).toBeNull();
      expect(rows).toHaveLength(params.count);
      expect(items).toBeGreaterThan((params.count * params.bytes) / 100);
      succeeded(await s.control);
      expect(sup.handle.unusable).toBe(false);
      expect(sup.generation).toBe(0);
    },
    120_000,
  );
});
