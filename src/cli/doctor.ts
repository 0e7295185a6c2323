/**
 * `lean-worker doctor [--json]`: what this machine offers a worker pool: Node, the platform layer
 * and each mechanism it relies on (spawn guard, tree kill, orphan guard, worker memory reading,
 * headroom source, and plainly what is not enforced where a reading is missing), the system memory
 * the pool admits against, and `lean`, `lake` and a worker child with versions. Missing tools are
 * findings: it exits 0 unless the arguments are wrong (2).
 */
import { executableProblem, findOnPath, locateWorkerChild } from '../capability/child-locator.js';
import { runTool, succeeded } from '../capability/run-tool.js';
import { linuxProbes, platformMechanisms } from '../platform/mechanisms.js';
import { readSystemMemory, type SystemMemory } from '../pool/system-memory.js';
import type { PlatformMechanisms } from '../protocol/platform.js';
import { type CliIo, commandLine, readCommandLine } from './flags.js';

const DOCTOR_COMMAND = commandLine('doctor', {
  usage: 'lean-worker doctor [flags]',
  summary:
    'Report what this machine offers a worker pool: Node, the platform mechanisms (spawn guard,\ntree kill, orphan guard, memory readings), memory (available, cgroup limit and usage), and\nlean, lake and the worker child with versions.',
  flags: [{ name: 'json', description: 'print the report as one JSON document' }],
  notes: ['exit status: 0 reported (missing tools are findings, not failures), 2 usage error'],
});

/** The platform part of the doctor's report. */
export interface PlatformReport extends PlatformMechanisms {
  /** The `setpriv` children run under (Linux), or null. */
  readonly setprivPath: string | null;
  /** What machine memory admission reads (`none`: the system reserve is not enforced). */
  readonly headroomSource: SystemMemory['reading']['machine'];
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
function platformLines(r: PlatformReport): string[] {
  const layer = `${r.layer}${r.portable ? ' (portable path: no setpriv or no /proc readers)' : ''}`;
  const guard = `${SPAWN_GUARD[r.spawnGuard]}${r.setprivPath ? ` (${r.setprivPath})` : ''}`;
  return [
    `platform layer: ${layer}`,
    `spawn guard: ${guard}`,
    `tree kill: ${KILL[r.kill]}`,
    `orphan guard: ${ORPHAN_GUARD[r.orphanGuard]}`,
    `worker memory reading: ${WORKER_MEMORY[r.memoryReading]}`,
    `machine headroom: ${HEADROOM[r.headroomSource]}`,
  ];
}

const TOOL_TIMEOUT_MS = 10_000;

/** A tool on PATH, found (or missing), with its version. */
async function probeTool(name: string) {
  const found = findOnPath(name, process.env.PATH);
  if (found === null) return { found: false, path: null, version: null, note: `${name} is not on PATH` };
  const options = { cwd: process.cwd(), env: process.env, timeoutMs: TOOL_TIMEOUT_MS };
  const run = await runTool(found, ['--version'], options);
  const version = succeeded(run) ? (run.output.split('\n')[0]?.trim() ?? null) : null;
  const note = version === null ? `\`${name} --version\` failed` : null;
  return { found: true, path: found, version, note };
}
type ToolReport = Awaited<ReturnType<typeof probeTool>>;

function workerChildReport(): ToolReport {
  const child = locateWorkerChild(undefined, process.env);
  if (!child.ok) {
    const note = 'set LEAN_RS_WORKER_CHILD or put lean-rs-worker-child on PATH';
    return { found: false, path: null, version: null, note };
  }
  const problem = executableProblem(child.command);
  const note = problem ?? `found through ${child.source}; its version is reported at handshake`;
  return { found: problem === null, path: child.command, version: null, note };
}

/** Collect the doctor's findings. */
export async function collectDoctorReport() {
  const [lean, lake] = await Promise.all([probeTool('lean'), probeTool('lake')]);
  /** What pool admission reads: MemAvailable, the cgroup (v2 or v1) limit and usage, headroom. */
  const memory = readSystemMemory();
  const mechanisms = platformMechanisms();
  const platform: PlatformReport = {
    ...mechanisms,
    setprivPath: mechanisms.spawnGuard === 'setpriv-pdeathsig' ? linuxProbes().setprivPath : null,
    headroomSource: memory.reading.machine,
  };
  return {
    node: { version: process.version, platform: process.platform, arch: process.arch },
    platform,
    memory,
    // RSS of this process, the floor a pool's parent starts from; each pool worker adds a
    // supervisor thread to it (`pool.snapshot().memory.parentRssKib` counts them).
    parentRssKib: Math.round(process.memoryUsage.rss() / 1024),
    lean,
    lake,
    workerChild: workerChildReport(),
  };
}

const tool = (name: string, t: ToolReport): string =>
  `${name}: ${t.found ? `${t.path}${t.version ? ` (${t.version})` : ''}` : 'not found'}${t.note ? ` - ${t.note}` : ''}`;

/** Run `doctor`; resolves to the exit status. */
export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(DOCTOR_COMMAND, args, io, (values) => ({ json: values.json === true }));
  if (typeof parsed === 'number') return parsed;
  const r = await collectDoctorReport();
  if (parsed.json) {
    io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  const { memory: m, node } = r;
  const kib = (v: number | null) => (v === null ? 'unavailable' : `${Math.round(v / 1024)} MiB`);
  const lines = [
    `node: ${node.version} ${node.platform}/${node.arch}`,
    ...platformLines(r.platform),
    `memory: ${m.reading.machine === 'meminfo-cgroup' ? 'MemAvailable' : 'available'} ${kib(m.memAvailableKib)}; cgroup ${m.cgroup.version === null ? 'not found' : `v${m.cgroup.version}, limit ${m.cgroup.maxKib === null ? 'none' : kib(m.cgroup.maxKib)}, usage ${kib(m.cgroup.currentKib)}`}; headroom for new workers ${kib(m.headroomKib)}`,
    `parent process: RSS ${kib(r.parentRssKib)} (this process; a pool adds one supervisor thread per worker, counted in pool.snapshot().memory.parentRssKib)`,
    tool('lean', r.lean),
    tool('lake', r.lake),
    tool('worker child', r.workerChild),
  ];
  io.stdout.write(lines.map((line) => `${line}\n`).join(''));
  return 0;
}
