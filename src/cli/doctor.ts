/**
 * `lean-worker doctor [--json]`: what this machine offers a worker pool: Node, the platform
 * mechanisms (`doctor-platform.ts`), the system memory the pool admits against, and `lean`, `lake`
 * and a worker child with versions. Missing tools are findings: it exits 0 unless the arguments
 * are wrong (2).
 */
import { executableProblem, findOnPath, locateWorkerChild } from '../capability/child-locator.js';
import { runTool, succeeded } from '../capability/run-tool.js';
import { linuxProbes } from '../platform/mechanisms.js';
import { readSystemMemory, type SystemMemory } from '../pool/system-memory.js';
import { collectPlatformReport, type PlatformReport, platformLines } from './doctor-platform.js';
import { type CliIo, type FlagSpec, formatHelp, HELP_FLAG, readCommandLine } from './flags.js';

const FLAGS: readonly FlagSpec[] = [
  { name: 'json', description: 'print the report as one JSON document' },
  HELP_FLAG,
];

const DOCTOR_COMMAND = {
  name: 'doctor',
  flags: FLAGS,
  help: formatHelp({
    usage: 'lean-worker doctor [flags]',
    summary:
      'Report what this machine offers a worker pool: Node, the platform mechanisms (spawn guard,\ntree kill, orphan guard, memory readings), memory (available, cgroup limit and usage), and\nlean, lake and the worker child with versions.',
    flags: FLAGS,
    notes: ['exit status: 0 reported (missing tools are findings, not failures), 2 usage error'],
  }),
};

/** A found (or missing) tool. */
export interface ToolReport {
  readonly found: boolean;
  readonly path: string | null;
  readonly version: string | null;
  readonly note: string | null;
}

/** The doctor's findings. */
export interface DoctorReport {
  readonly node: { readonly version: string; readonly platform: string; readonly arch: string };
  /** The platform layer and the mechanisms it uses. */
  readonly platform: PlatformReport;
  /** What pool admission reads: MemAvailable, the cgroup (v2 or v1) limit and usage, headroom. */
  readonly memory: SystemMemory;
  /**
   * RSS of this process, the floor a pool's parent starts from; each pool worker adds a
   * supervisor thread to it (`pool.snapshot().memory.parentRssKib` counts them).
   */
  readonly parentRssKib: number;
  readonly lean: ToolReport;
  readonly lake: ToolReport;
  readonly workerChild: ToolReport;
}

const TOOL_TIMEOUT_MS = 10_000;

async function probeTool(name: string, versionArgs: readonly string[]): Promise<ToolReport> {
  const found = findOnPath(name, process.env.PATH);
  if (found === null) return { found: false, path: null, version: null, note: `${name} is not on PATH` };
  const run = await runTool(found, versionArgs, {
    cwd: process.cwd(),
    env: process.env,
    timeoutMs: TOOL_TIMEOUT_MS,
  });
  const version = succeeded(run) ? (run.output.split('\n')[0]?.trim() ?? null) : null;
  return {
    found: true,
    path: found,
    version,
    note: version === null ? `\`${name} ${versionArgs.join(' ')}\` failed` : null,
  };
}

/** Collect the doctor's findings. */
export async function collectDoctorReport(): Promise<DoctorReport> {
  const [lean, lake] = await Promise.all([
    probeTool('lean', ['--version']),
    probeTool('lake', ['--version']),
  ]);
  const child = locateWorkerChild(undefined, process.env);
  const problem = child.ok ? executableProblem(child.command) : null;
  const workerChild: ToolReport = child.ok
    ? {
        found: problem === null,
        path: child.command,
        version: null,
        note: problem ?? `found through ${child.source}; its version is reported at handshake`,
      }
    : {
        found: false,
        path: null,
        version: null,
        note: 'set LEAN_RS_WORKER_CHILD or put lean-rs-worker-child on PATH',
      };
  const memory = readSystemMemory();
  return {
    node: { version: process.version, platform: process.platform, arch: process.arch },
    platform: collectPlatformReport(memory, linuxProbes().setprivPath),
    memory,
    parentRssKib: Math.round(process.memoryUsage.rss() / 1024),
    lean,
    lake,
    workerChild,
  };
}

const tool = (name: string, t: ToolReport): string =>
  `${name}: ${t.found ? `${t.path}${t.version ? ` (${t.version})` : ''}` : 'not found'}${t.note ? ` - ${t.note}` : ''}\n`;

/** Run `doctor`; resolves to the exit status. */
export async function doctorCommand(args: string[], io: CliIo): Promise<number> {
  const parsed = readCommandLine(DOCTOR_COMMAND, args, io, (values) => ({ json: values.json === true }));
  if (typeof parsed === 'number') return parsed;
  const r = await collectDoctorReport();
  if (parsed.json) {
    io.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    return 0;
  }
  io.stdout.write(`node: ${r.node.version} ${r.node.platform}/${r.node.arch}\n`);
  io.stdout.write(platformLines(r.platform));
  const m = r.memory;
  const kib = (v: number | null) => (v === null ? 'unavailable' : `${Math.round(v / 1024)} MiB`);
  io.stdout.write(
    `memory: ${m.reading.machine === 'meminfo-cgroup' ? 'MemAvailable' : 'available'} ${kib(m.memAvailableKib)}; cgroup ${m.cgroup.version === null ? 'not found' : `v${m.cgroup.version}, limit ${m.cgroup.maxKib === null ? 'none' : kib(m.cgroup.maxKib)}, usage ${kib(m.cgroup.currentKib)}`}; headroom for new workers ${kib(m.headroomKib)}\n`,
  );
  io.stdout.write(
    `parent process: RSS ${kib(r.parentRssKib)} (this process; a pool adds one supervisor thread per worker, counted in pool.snapshot().memory.parentRssKib)\n`,
  );
  io.stdout.write(tool('lean', r.lean) + tool('lake', r.lake) + tool('worker child', r.workerChild));
  return 0;
}
