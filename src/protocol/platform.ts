/**
 * The platform layers and the mechanisms each one uses, decided from facts (no I/O). A supervisor
 * thread picks its layer with these; the main thread reports them (`doctor`, the snapshot's
 * `memory.system.reading`) and kills trees the same way from its exit hook.
 *
 * - linux: children under `setpriv --pdeathsig SIGKILL`, each leading its process group; kill by
 *   group; memory from `/proc`; headroom from `/proc/meminfo` and the cgroup. Where `setpriv` or
 *   `/proc` is missing, or `LEAN_WORKER_PORTABLE=1` asks for it, the portable POSIX mechanisms
 *   instead (the watchdog alone guards orphans; memory through `ps` and pidusage).
 * - macos (and any other POSIX system): process groups plus the watchdog; kill by group; memory
 *   through `ps` (the tree) and pidusage (the figures); headroom from `process.availableMemory()`.
 * - windows: children not detached, so libuv's kill-on-close job object holds them; tree kill
 *   through `taskkill /T /F /PID`; memory of the child through pidusage; headroom from
 *   `process.availableMemory()`.
 */

/** The implementation of the platform layer in use. */
export type PlatformLayerName = 'linux' | 'macos' | 'windows';

/** Where the Linux layer looks for util-linux `setpriv` (and the tools below): fixed paths, never PATH. */
export const SETPRIV_CANDIDATES: readonly string[] = ['/usr/bin/setpriv', '/bin/setpriv'];
/** Where it looks for util-linux `chrt`, to start a child under SCHED_IDLE (`workerSchedIdle`). */
export const CHRT_CANDIDATES: readonly string[] = ['/usr/bin/chrt', '/bin/chrt'];
/** Where it looks for coreutils `nice`, to start a child at the pool's `workerNice`. */
export const NICE_CANDIDATES: readonly string[] = ['/usr/bin/nice', '/bin/nice'];
/** Where it looks for util-linux `taskset`, to keep a supervisor thread and its children on `workerCpus`. */
export const TASKSET_CANDIDATES: readonly string[] = ['/usr/bin/taskset', '/bin/taskset'];

/** Set to `1` to run the Linux layer on its portable path (for tests and diagnosis). */
export const PORTABLE_ENV = 'LEAN_WORKER_PORTABLE';

/** What makes a child die with the thread or process that started it. */
export type SpawnGuard = 'setpriv-pdeathsig' | 'process-group-watchdog' | 'job-object';
/** How a child and its descendants are killed. */
export type TreeKill = 'process-group' | 'taskkill-tree';
/** How a child tree's memory is read: `/proc` (with the RssAnon/RssShmem breakdown), pidusage (RSS only), or not at all. */
export type MemoryReading = 'proc' | 'pidusage' | 'none';
/**
 * What machine memory admission holds its reserve against: `/proc/meminfo` MemAvailable and the
 * cgroup (Linux), `process.availableMemory()`, `os.freemem()` (under-reports on macOS, where
 * reclaimable cache is not free), or nothing.
 */
export type HeadroomSource = 'meminfo-cgroup' | 'available-memory' | 'freemem' | 'none';
/** What kills the children when the parent process dies without running any code. */
export type OrphanGuard = 'pdeathsig-and-watchdog' | 'watchdog' | 'job-object';

/** The facts a layer is chosen from. */
export interface PlatformFacts {
  /** `process.platform`. */
  readonly platform: string;
  /** `LEAN_WORKER_PORTABLE=1` in the environment. */
  readonly portable: boolean;
  /** An executable `setpriv` was found (Linux). */
  readonly setpriv: boolean;
  /** `/proc/self/status` could be read (Linux). */
  readonly proc: boolean;
}

/** The mechanisms one layer uses. */
export interface PlatformMechanisms {
  readonly layer: PlatformLayerName;
  /** The Linux layer on its portable path (no setpriv, no /proc readers). */
  readonly portable: boolean;
  readonly spawnGuard: SpawnGuard;
  readonly kill: TreeKill;
  readonly memoryReading: MemoryReading;
  readonly orphanGuard: OrphanGuard;
}

/** Platforms pidusage can read (its own table); elsewhere there is no memory reading. */
const PIDUSAGE_PLATFORMS = new Set(
  'aix android darwin freebsd linux netbsd openbsd os390 sunos win32'.split(' '),
);

/** The layer for `platform`: Windows, Linux, and the POSIX layer (macOS's) for every other. */
export function layerOf(platform: string): PlatformLayerName {
  if (platform === 'win32') return 'windows';
  if (platform === 'linux' || platform === 'android') return 'linux';
  return 'macos';
}

/** Whether `env` asks for the portable path. */
export function isPortable(env: Readonly<Record<string, string | undefined>>): boolean {
  return env[PORTABLE_ENV] === '1';
}

/** The mechanisms the layer for `facts` uses. */
export function mechanismsOf(facts: PlatformFacts): PlatformMechanisms {
  const layer = layerOf(facts.platform);
  const pidusage: MemoryReading = PIDUSAGE_PLATFORMS.has(facts.platform) ? 'pidusage' : 'none';
  if (layer === 'windows') {
    return {
      layer,
      portable: false,
      spawnGuard: 'job-object',
      kill: 'taskkill-tree',
      memoryReading: pidusage,
      orphanGuard: 'job-object',
    };
  }
  const setpriv = layer === 'linux' && facts.setpriv && !facts.portable;
  const proc = layer === 'linux' && facts.proc && !facts.portable;
  return {
    layer,
    portable: layer === 'linux' && (!setpriv || !proc),
    spawnGuard: setpriv ? 'setpriv-pdeathsig' : 'process-group-watchdog',
    kill: 'process-group',
    memoryReading: proc ? 'proc' : pidusage,
    orphanGuard: setpriv ? 'pdeathsig-and-watchdog' : 'watchdog',
  };
}

/** How to kill the tree of `pid`: a signal to its process group, or a command to run. */
export type TreeKillPlan =
  | { readonly kind: 'group'; readonly target: number }
  | { readonly kind: 'command'; readonly file: string; readonly args: readonly string[] };

/** The tree kill of `pid` on `layer`; `systemRoot` is Windows' `%SystemRoot%`. */
export function treeKillPlan(layer: PlatformLayerName, pid: number, systemRoot?: string): TreeKillPlan {
  if (layer !== 'windows') return { kind: 'group', target: -pid };
  // The absolute path: a taskkill earlier on PATH is never run.
  const root = (systemRoot ?? 'C:\\Windows').replace(/[\\/]+$/, '');
  return {
    kind: 'command',
    file: `${root}\\System32\\taskkill.exe`,
    args: ['/T', '/F', '/PID', String(pid)],
  };
}
