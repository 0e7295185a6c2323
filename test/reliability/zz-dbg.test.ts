import { it } from 'vitest';
import { LeanWorkerPool } from '../../src/pool/pool.js';
import { faultSource } from './sources.js';
it('dbg', async () => {
  for (let k = 0; k < 6; k++) {
    const pool = new LeanWorkerPool({ maxWorkers: 2, memorySampleIntervalMs: 60000, restart: { backoffBaseMs: 0, backoffMaxMs: 0 } });
    const lease = await pool.acquireLease(faultSource('unsolicited-response', 'midstream', 'dbg'));
    const s = lease.runDataStream('fault', {}, { timeoutMs: 1000, idleTimeoutMs: 400 });
    const o = await s.outcome;
    console.log(JSON.stringify({ ok: o.ok, restarted: (o as any).restarted, code: (o as any).error?.code, reason: (o as any).error?.facts?.reason, valid: lease.isValid }));
    lease.release();
    await pool.destroy();
  }
}, 60000);
