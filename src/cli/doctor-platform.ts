/**
 * `doctor`'s platform lines: the layer in use and each mechanism it relies on (spawn guard, tree
 * kill, orphan guard, worker memory reading, headroom source), and plainly what is not enforced
 * where a reading is missing.
 */
import { platformMechanisms } from '../platform/mechanisms.js';
import type { SystemMemory } from '../pool/system-memory.js';
import type { PlatformMechanisms } from '../protocol/platform.js';

/** The platform part of the doctor's report. */
export interface PlatformReport extends PlatformMechanisms {
  /** The `setpriv` children run under (Linux), or null. */
  readonly setprivPath: string | null;
  /** What machine memory admission reads (`none`: the system reserve is not enforced). */
  readonly headroomSource: SystemMemory['reading']['machine'];
}

export function collectPlatformReport(memory: SystemMemory, setprivPath: string | null): PlatformReport {
  const mechanisms = platformMechanisms();
  return {
    ...mechanisms,
    setprivPath: mechanisms.spawnGuard === 'setpriv-pdeathsig' ? setprivPath : null,
    headroomSource: memory.reading.machine,
  };
}

const SPAWN_GUARD: Readonly<Record<PlatformMechanisms['spawnGuard'], string>> = {
  'setpriv-pdeathsig': 'setpriv --pdeathsig SIGKILL, each child leading its own process group',
  'process-group-watchdog':
    'each child leads its own process group, killed by the watchdog if this process dies',
  'job-object': "children stay in libuv's kill-on-close job object (not detached)",
};

const KILL: Readonly<Record<PlatformMechanisms['kill'], string>> = {
  'process-group': 'SIGKILL to the process group',
  'taskkill-tree': 'taskkill /T /F /PID (the child alone if taskkill fails)',
};

const ORPHAN_GUARD: Readonly<Record<PlatformMechanisms['orphanGuard'], string>> = {
  'pdeathsig-and-watchdog': 'parent-death signal, and a /bin/sh watchdog for grandchildren',
  watchdog: 'a /bin/sh watchdog that kills every listed process group (no parent-death signal)',
  'job-object': 'the job object kills children when this process ends; grandchildren can escape a hard kill',
};

const WORKER_MEMORY: Readonly<Record<PlatformMechanisms['memoryReading'], string>> = {
  proc: '/proc (RssAnon + RssShmem, PSS on request)',
  pidusage: 'pidusage (RSS only: the private measure is total RSS)',
  none: 'none: the memory budget, ceilings and hard limits have no figures and are not enforced',
};

const HEADROOM: Readonly<Record<PlatformReport['headroomSource'], string>> = {
  'meminfo-cgroup': '/proc/meminfo MemAvailable and the cgroup',
  'available-memory': 'process.availableMemory()',
  freemem: 'os.freemem() (process.availableMemory() is missing; under-reports where cache is not free)',
  none: 'none: the system memory reserve is not enforced',
};

/** The report as text lines, one per mechanism. */
export function platformLines(r: PlatformReport): string {
  const layer = `${r.layer}${r.portable ? ' (portable path: no setpriv or no /proc readers)' : ''}`;
  const guard = `${SPAWN_GUARD[r.spawnGuard]}${r.setprivPath ? ` (${r.setprivPath})` : ''}`;
  return [
    `platform layer: ${layer}`,
    `spawn guard: ${guard}`,
    `tree kill: ${KILL[r.kill]}`,
    `orphan guard: ${ORPHAN_GUARD[r.orphanGuard]}`,
    `worker memory reading: ${WORKER_MEMORY[r.memoryReading]}`,
    `machine headroom: ${HEADROOM[r.headroomSource]}`,
  ]
    .map((line) => `${line}\n`)
    .join('');
}
