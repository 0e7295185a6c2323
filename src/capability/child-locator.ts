/**
 * Worker child location: an explicit command (a path, or a bare name looked up on PATH), else
 * the file named by `LEAN_RS_WORKER_CHILD` (which must exist when set), else
 * `lean-rs-worker-child` on PATH.
 */
import { accessSync, constants, type Stats, statSync } from 'node:fs';
import path from 'node:path';

/** Environment variable naming the worker child executable. */
export const WORKER_CHILD_ENV = 'LEAN_RS_WORKER_CHILD';
/** Executable name searched on PATH when nothing else names the child. */
export const DEFAULT_WORKER_CHILD = 'lean-rs-worker-child';

/** Outcome of locating the child. */
export type ChildLocation = { readonly source: 'explicit' | 'env' | 'path'; readonly tried: string[] } & (
  | { readonly ok: true; readonly command: string }
  | { readonly ok: false }
);

/** The stats of `p` (through links), or null when it cannot be statted. */
export function statOrNull(p: string): Stats | null {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}

/** True when `p` is a regular file (through links). */
export const isFile = (p: string): boolean => statOrNull(p)?.isFile() ?? false;

/** Why a located file cannot be run, or null when it can. */
export function executableProblem(file: string): string | null {
  if (!isFile(file)) return 'path does not point to a file';
  try {
    accessSync(file, constants.X_OK);
    return null;
  } catch {
    return 'file is not executable by this user';
  }
}

/** Search PATH for an executable `name`; returns the first candidate that is a file. */
export function findOnPath(name: string, envPath: string | undefined, tried: string[] = []): string | null {
  for (const dir of (envPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, name);
    tried.push(candidate);
    if (executableProblem(candidate) === null) return candidate;
  }
  return null;
}

/** Locate the worker child. `cwd` resolves relative explicit paths. */
export function locateWorkerChild(
  explicit: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  cwd: string = process.cwd(),
): ChildLocation {
  const tried: string[] = [];
  const result = (source: ChildLocation['source'], command: string | null): ChildLocation =>
    command === null ? { ok: false, source, tried } : { ok: true, command, source, tried };
  const file = (source: ChildLocation['source'], named: string): ChildLocation => {
    const abs = path.resolve(cwd, named);
    tried.push(abs);
    return result(source, isFile(abs) ? abs : null);
  };
  if (explicit !== undefined) {
    if (explicit.includes('/') || explicit.includes(path.sep)) return file('explicit', explicit);
    return result('explicit', findOnPath(explicit, env.PATH, tried));
  }
  const fromEnv = env[WORKER_CHILD_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return file('env', fromEnv);
  return result('path', findOnPath(DEFAULT_WORKER_CHILD, env.PATH, tried));
}
