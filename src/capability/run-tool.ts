/**
 * Short-lived helper commands (`lake build`, `lean --version`, `lean --print-prefix`) through
 * execa: never a shell, output captured and bounded, a deadline that kills the whole process
 * group (Lake starts `lean` grandchildren).
 */
import type { execa as Execa } from 'execa';

/** Result of one helper command. */
export interface ToolRun {
  readonly command: string;
  readonly args: readonly string[];
  /** Exit status, or null when killed by a signal or never started. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly timedOut: boolean;
  /** Set when the command could not be started (ENOENT, EACCES, ...). */
  readonly spawnError: string | null;
  readonly stdout: string;
  /** stdout and stderr interleaved. */
  readonly output: string;
  readonly durationMs: number;
}

/** Bytes of output kept in error reports. @default 4096 (bytes) */
export const OUTPUT_TAIL_BYTES = 4096;

/** The last `limit` bytes of `text` (UTF-8), cut at a character boundary. */
export function tailBytes(text: string, limit: number = OUTPUT_TAIL_BYTES): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= limit) return text;
  let start = buf.length - limit;
  while (start < buf.length && (buf[start]! & 0xc0) === 0x80) start++;
  return buf.subarray(start).toString('utf8');
}

/** Run `command args` in `cwd` with `env`, killing its process group after `timeoutMs`. */
export async function runTool(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: Readonly<Record<string, string | undefined>>; timeoutMs: number },
): Promise<ToolRun> {
  const started = performance.now();
  const ran = (facts: Partial<ToolRun>): ToolRun => ({
    command,
    args,
    exitCode: null,
    signal: null,
    timedOut: false,
    spawnError: null,
    stdout: '',
    output: '',
    ...facts,
    durationMs: performance.now() - started,
  });
  let subprocess: ReturnType<typeof Execa>;
  try {
    // Loaded on first use only: importing the package must not pay for execa.
    const { execa } = await import('execa');
    subprocess = execa(command, [...args], {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      all: true,
      reject: false,
      stdin: 'ignore',
      detached: true,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (err) {
    return ran({ spawnError: (err as Error).message });
  }
  const pid = subprocess.pid;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
    } catch {
      subprocess.kill('SIGKILL');
    }
  }, options.timeoutMs);
  try {
    const result = await subprocess;
    const neverStarted = result.failed && result.exitCode === undefined && !result.signal && !timedOut;
    return ran({
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      spawnError: neverStarted ? result.shortMessage : null,
      stdout: typeof result.stdout === 'string' ? result.stdout : '',
      output: typeof result.all === 'string' ? result.all : '',
    });
  } finally {
    clearTimeout(timer);
  }
}

/** True when the run exited with status 0. */
export function succeeded(run: ToolRun): boolean {
  return run.exitCode === 0 && !run.timedOut && run.spawnError === null;
}
