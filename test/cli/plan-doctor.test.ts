import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/doctor.js';
import { planCommand } from '../../src/cli/plan.js';

const projects = path.resolve(import.meta.dirname, '../../fixtures/lake/projects');
function io() {
  const out = { stdout: '', stderr: '' };
  return {
    out,
    io: {
      stdout: { write: (t: string) => (out.stdout += t) },
      stderr: { write: (t: string) => (out.stderr += t) },
    },
  };
}

describe('lean-worker plan', () => {
  it('prints deterministic batches as JSON', async () => {
    const a = io();
    const b = io();
    expect(await planCommand([path.join(projects, 'headers'), '--json', '--per-module-imports'], a.io)).toBe(
      0,
    );
    expect(await planCommand([path.join(projects, 'headers'), '--json', '--per-module-imports'], b.io)).toBe(
      0,
    );
    expect(a.out.stdout).toBe(b.out.stdout);
    const plan = JSON.parse(a.out.stdout);
    expect(plan.libName).toBe('Hdr');
    expect(plan.batches.map((x: { modules: string[] }) => x.modules)).toEqual([
      ['Hdr.Base'],
      ['Hdr.Plain'],
      ['Hdr', 'Hdr.Modsys', 'Hdr.OneLine', 'Hdr.SameSet'],
    ]);
  });

  it('prints text, picks the default target, and reports failures with their code', async () => {
    const ok = io();
    expect(await planCommand([path.join(projects, 'lean-dsl')], ok.io)).toBe(0);
    expect(ok.out.stdout).toContain('lib Core');
    const bad = io();
    expect(await planCommand([path.join(projects, 'invalid-name')], bad.io)).toBe(1);
    expect(bad.out.stderr).toContain('LEAN_WORKER_ERR_PLAN');
    const usage = io();
    expect(await planCommand(['--bogus'], usage.io)).toBe(2);
  });
});

describe('lean-worker doctor', () => {
  it('reports the machine as JSON', async () => {
    const r = io();
    expect(await doctorCommand(['--json'], r.io)).toBe(0);
    const report = JSON.parse(r.out.stdout);
    expect(report.node.version).toBe(process.version);
    expect(report.platform.layer).toBe('linux');
    expect(['setpriv-pdeathsig', 'process-group-watchdog']).toContain(report.platform.spawnGuard);
    expect(report.platform.memoryReading).toBe(report.memory.reading.workers);
    expect([1, 2, null]).toContain(report.memory.cgroup.version);
    expect(report.memory.memAvailableKib === null || report.memory.memAvailableKib > 0).toBe(true);
    expect(report.parentRssKib).toBeGreaterThan(1024);
    expect(typeof report.lean.found).toBe('boolean');
    expect(typeof report.lake.found).toBe('boolean');
    expect(typeof report.workerChild.found).toBe('boolean');
  });

  it('prints text and rejects unknown flags', async () => {
    const r = io();
    expect(await doctorCommand([], r.io)).toBe(0);
    expect(r.out.stdout).toMatch(/^platform layer: linux/m);
    expect(r.out.stdout).toMatch(/^orphan guard: /m);
    expect(r.out.stdout).toMatch(/^worker memory reading: /m);
    expect(r.out.stdout).toMatch(/^parent process: RSS \d+ MiB/m);
    expect(await doctorCommand(['--nope'], io().io)).toBe(2);
  });
});
