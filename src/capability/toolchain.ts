/**
 * Toolchain discovery for a worker: `lean --version`, the sysroot (`LEAN_SYSROOT`), and the
 * project's `lean-toolchain`. The sysroot comes from the first of: an explicit value, the
 * explicit child env's `LEAN_SYSROOT`, the parent's `LEAN_SYSROOT`, `lean --print-prefix` run in
 * the project root (so elan picks the project's toolchain).
 */
import { stat } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseToolchainFile, sha256Hex } from '../lake/project-files.js';
import { runTool, succeeded, tailBytes } from './run-tool.js';

/** What toolchain discovery found. */
export interface ToolchainFacts {
  /** First line of `lean --version`, or null when `lean` did not run. */
  readonly leanVersion: string | null;
  /** The sysroot for `LEAN_SYSROOT`, or null when none was found. */
  readonly sysroot: string | null;
  readonly sysrootSource: 'explicit' | 'worker-env' | 'parent-env' | 'lean-print-prefix' | null;
  /** Contents of the project's `lean-toolchain`, or null. */
  readonly toolchainFile: string | null;
  /** Why a probe failed, one line each. */
  readonly problems: readonly string[];
  /**
   * The Lean version as a capability manifest records it: `LEAN_VERSION_STRING` from the sysroot's
   * `include/lean/version.h`, else the number in `lean --version`; null when neither is there.
   */
  readonly versionString: string | null;
  /** SHA-256 of `<sysroot>/include/lean/lean.h`, or null when the sysroot has none. */
  readonly headerSha256: string | null;
  /** `<sysroot>/bin/lean` when that file exists. */
  readonly leanBinary: string | null;
}

/** Discovery inputs. */
export interface ToolchainInput {
  readonly projectRoot: string;
  readonly leanCommand: string;
  readonly explicitSysroot?: string | undefined;
  readonly workerEnvSysroot?: string | undefined;
  readonly parentEnv: Readonly<Record<string, string | undefined>>;
  readonly timeoutMs: number;
}

/** Run the toolchain probes; never throws. */
export async function discoverToolchain(input: ToolchainInput): Promise<ToolchainFacts> {
  const problems: string[] = [];
  const opts = { cwd: input.projectRoot, env: input.parentEnv, timeoutMs: input.timeoutMs };
  const toolchainFile = await readFile(path.join(input.projectRoot, 'lean-toolchain'))
    .then(parseToolchainFile)
    .catch(() => null);
  const version = await runTool(input.leanCommand, ['--version'], opts);
  let leanVersion: string | null = null;
  if (succeeded(version)) leanVersion = version.stdout.split('\n')[0]?.trim() || null;
  else problems.push(`\`${input.leanCommand} --version\` failed: ${describe(version)}`);

  let sysroot: string | null = null;
  let sysrootSource: ToolchainFacts['sysrootSource'] = null;
  if (input.explicitSysroot) [sysroot, sysrootSource] = [input.explicitSysroot, 'explicit'];
  else if (input.workerEnvSysroot) [sysroot, sysrootSource] = [input.workerEnvSysroot, 'worker-env'];
  else if (input.parentEnv.LEAN_SYSROOT)
    [sysroot, sysrootSource] = [input.parentEnv.LEAN_SYSROOT, 'parent-env'];
  else {
    const prefix = await runTool(input.leanCommand, ['--print-prefix'], opts);
    const printed = prefix.stdout.trim();
    if (succeeded(prefix) && printed !== '') [sysroot, sysrootSource] = [printed, 'lean-print-prefix'];
    else problems.push(`\`${input.leanCommand} --print-prefix\` failed: ${describe(prefix)}`);
  }
  const header = sysroot === null ? null : await sysrootHeader(sysroot);
  const leanBinary = sysroot === null ? null : path.join(sysroot, 'bin', 'lean');
  if (sysroot !== null && header === null) problems.push(`${sysroot} has no include/lean/lean.h`);
  return {
    leanVersion,
    sysroot,
    sysrootSource,
    toolchainFile,
    problems,
    versionString: header?.version ?? versionFromBanner(leanVersion),
    headerSha256: header?.sha256 ?? null,
    leanBinary: leanBinary !== null && (await isFile(leanBinary)) ? leanBinary : null,
  };
}

/** `4.22.0` from `Lean (version 4.22.0, x86_64-unknown-linux-gnu, commit ..., Release)`. */
export function versionFromBanner(banner: string | null): string | null {
  return banner?.match(/version\s+v?([0-9][^\s,]*)/)?.[1] ?? null;
}

const isFile = (p: string): Promise<boolean> =>
  new Promise((resolve) => stat(p, (error, st) => resolve(!error && st.isFile())));

/** The digest of the sysroot's `lean.h` and the version its `version.h` defines. */
async function sysrootHeader(sysroot: string): Promise<{ sha256: string; version: string | null } | null> {
  const dir = path.join(sysroot, 'include', 'lean');
  if (!(await isFile(path.join(dir, 'lean.h')))) return null;
  const bytes = await readFile(path.join(dir, 'lean.h'));
  const versionH = await readFile(path.join(dir, 'version.h'), 'utf8').catch(() => '');
  const version = versionH.match(/^\s*#define\s+LEAN_VERSION_STRING\s+"([^"]+)"/m)?.[1] ?? null;
  return { sha256: sha256Hex(bytes), version };
}

function describe(run: Awaited<ReturnType<typeof runTool>>): string {
  if (run.spawnError) return run.spawnError;
  if (run.timedOut) return 'timed out';
  if (run.signal) return `killed by ${run.signal}`;
  const out = tailBytes(run.output.trim(), 256);
  return `exit status ${run.exitCode}${out ? `: ${out}` : ''}`;
}
