/**
 * Finding the file a command names, the way the platform would, before anything is spawned, so a
 * missing or unusable command is a typed SPAWN error (ENOENT, EACCES, EINVAL) even when the child
 * is started through `setpriv`. POSIX: execvp's rule (a PATH search when the name has no slash),
 * an executable regular file. Windows: a name without one of `PATHEXT`'s extensions is tried with
 * each of them in turn (`lake` finds `lake.exe`), `Path` is read whatever its case, and the
 * current directory is not searched. A batch file (`.bat`, `.cmd`) is refused: it runs only
 * through `cmd.exe`, and no child is ever started through a shell.
 */
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';

/** What resolution asks of the file system (tests pass their own). */
export interface FileProbe {
  isFile(file: string): boolean;
  executable(file: string): boolean;
}

export const nodeFileProbe: FileProbe = {
  isFile: (file) => {
    try {
      return statSync(file).isFile();
    } catch {
      return false;
    }
  },
  executable: (file) => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** The first of `candidates` (fixed paths of a util-linux tool) that is executable, on Linux only. */
export function linuxTool(candidates: readonly string[], platform: string): string | null {
  if (platform !== 'linux') return null;
  return candidates.find((candidate) => nodeFileProbe.executable(candidate)) ?? null;
}

const DEFAULT_PATHEXT = '.COM;.EXE;.BAT;.CMD';
const BATCH = new Set(['.bat', '.cmd']);

/** The value of `name` in `env`, whatever its case (Windows' `Path`). */
function envValue(env: Readonly<Record<string, string>>, name: string): string | undefined {
  if (env[name] !== undefined) return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

/** The files `command` may name, in the order they are tried. */
export function executableCandidates(
  command: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
  windows: boolean,
): string[] {
  const p = windows ? path.win32 : path.posix;
  const hasDir = windows ? /[\\/]/.test(command) : command.includes('/');
  const searchPath = envValue(env, 'PATH') ?? process.env.PATH ?? '';
  const bases = hasDir
    ? [p.isAbsolute(command) ? command : p.resolve(cwd, command)]
    : searchPath
        .split(windows ? ';' : ':')
        .filter(Boolean)
        .map((dir) => p.join(dir, command));
  if (!windows) return bases;
  const extensions = (envValue(env, 'PATHEXT') ?? DEFAULT_PATHEXT)
    .split(';')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e.startsWith('.'));
  const named = extensions.includes(p.extname(command).toLowerCase());
  return bases.flatMap((base) => (named ? [base] : extensions.map((e) => base + e)));
}

function spawnError(code: 'ENOENT' | 'EACCES' | 'EINVAL', file: string, why: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${why} ${file}`), { code, syscall: 'spawn', path: file });
}

/**
 * The file `command` runs, or an errno-style error: ENOENT (nothing found), EACCES (found, not
 * executable), EINVAL (a Windows batch file).
 */
export function resolveExecutable(
  command: string,
  env: Readonly<Record<string, string>>,
  cwd: string,
  windows: boolean,
  probe: FileProbe = nodeFileProbe,
): string {
  let denied: string | null = null;
  for (const candidate of executableCandidates(command, env, cwd, windows)) {
    if (!probe.isFile(candidate)) continue;
    if (windows && BATCH.has(path.win32.extname(candidate).toLowerCase()))
      throw spawnError('EINVAL', candidate, 'a batch file runs only through cmd.exe, and no shell is used:');
    if (probe.executable(candidate)) return candidate;
    denied = candidate;
  }
  if (denied !== null) throw spawnError('EACCES', denied, 'cannot execute');
  throw spawnError('ENOENT', command, 'cannot execute');
}
