/**
 * Static bootstrap checks: the child can be located and executed, the project root and import
 * workspace exist, and the library is declared in the lakefile. No process is started.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseLakefile } from '../lake/lakefile.js';
import { moduleNameProblem } from '../lake/module-name.js';
import { DEFAULT_MAX_PROJECT_FILE_BYTES, describeRefusal, readRegularFile } from '../lake/read-file.js';
import { type BootstrapCheck, BootstrapCode, bootstrapCheck } from './bootstrap.js';
import { type ChildLocation, executableProblem, statOrNull } from './child-locator.js';
import type { ResolvedBuilderOptions } from './options.js';

const isDir = (p: string): boolean => statOrNull(p)?.isDirectory() ?? false;

/** The lakefile of a project root (Lake prefers `lakefile.lean`), or null. */
export function findLakefile(projectRoot: string): string | null {
  for (const name of ['lakefile.lean', 'lakefile.toml']) {
    const file = path.join(projectRoot, name);
    if (existsSync(file)) return file;
  }
  return null;
}

/** Findings about the located child. */
export function childChecks(location: ChildLocation): BootstrapCheck[] {
  if (!location.ok) {
    const tried = location.tried.length > 0 ? location.tried.join(', ') : '<none>';
    const message = `could not resolve worker child (${location.source}); tried ${tried}`;
    const hint =
      'ship an app-owned worker child, pass worker.command, or set LEAN_RS_WORKER_CHILD to its path';
    return [bootstrapCheck(BootstrapCode.CHILD_UNRESOLVED, 'error', 'worker child', message, hint)];
  }
  const problem = executableProblem(location.command);
  if (problem === null) return [];
  const hint = 'ship an app-owned worker child and ensure it is an executable file';
  return [bootstrapCheck(BootstrapCode.CHILD_NOT_EXECUTABLE, 'error', location.command, problem, hint)];
}

/** Findings about the project, the import workspace, and the Lake target. */
export async function projectChecks(o: ResolvedBuilderOptions): Promise<BootstrapCheck[]> {
  const checks: BootstrapCheck[] = [];
  const add = (severity: 'error' | 'warning', subject: string, message: string, hint: string): void => {
    checks.push(bootstrapCheck(BootstrapCode.CAPABILITY_PREFLIGHT, severity, subject, message, hint));
  };
  if (!isDir(o.projectRoot)) {
    const hint = 'pass the Lake project root as projectRoot';
    add('error', o.projectRoot, 'project root is not a directory', hint);
    return checks;
  }
  // Paths and names the builder hands to processes are checked before use: the library name
  // becomes an argument of `lake build` (a leading `-` would be read as an option), the child's
  // working directory must exist, the sysroot must be absolute.
  if (moduleNameProblem(o.libName) !== null) {
    const hint = 'pass the lean_lib name declared in the lakefile (letters, digits, `_`, `.` components)';
    add('error', o.libName, 'libName is not a Lean library name', hint);
  }
  const cwd = o.worker?.cwd;
  if (cwd !== undefined && !isDir(path.resolve(cwd))) {
    add('error', cwd, 'worker.cwd is not a directory', 'pass an existing directory as worker.cwd');
  }
  if (o.leanSysroot !== undefined && !path.isAbsolute(o.leanSysroot)) {
    add('error', o.leanSysroot, 'leanSysroot must be an absolute path', 'pass `lean --print-prefix`');
  }
  const workspace = o.importWorkspaceRoot;
  if (workspace !== undefined && !isDir(workspace)) {
    const hint = 'pass an existing Lake workspace as importWorkspaceRoot';
    add('error', workspace, 'import workspace root is not a directory', hint);
  }
  if (o.skipBuild) return checks;
  const lakefile = findLakefile(o.projectRoot);
  if (lakefile === null) {
    const hint = 'add a lakefile or set skipBuild for a prebuilt capability';
    add('warning', o.projectRoot, 'no lakefile in the project root; the Lake build is skipped', hint);
    return checks;
  }
  // Only a regular file under the project file cap is read: a FIFO or a device never blocks
  // this check, and a huge lakefile is refused before it is parsed.
  const read = await readRegularFile(lakefile, DEFAULT_MAX_PROJECT_FILE_BYTES);
  if (!read.ok) {
    const message = `could not read the lakefile: ${describeRefusal(lakefile, read)}`;
    add('error', lakefile, message, 'make the lakefile a readable regular file of at most 4 MiB');
    return checks;
  }
  const config = await parseLakefile(read.bytes.toString('utf8'), lakefile);
  if (!config.leanLibs.some((lib) => lib.name === o.libName)) {
    // The lakefile reader understands a subset of the DSL; with unread constructs, only warn.
    const uncertain = config.diagnostics.length > 0;
    add(
      uncertain ? 'warning' : 'error',
      o.libName,
      `lean_lib \`${o.libName}\` is not declared in ${lakefile}${uncertain ? ' (as far as the lakefile reader can tell)' : ''}`,
      'declare the capability library as a lean_lib or pass the declared library name as libName',
    );
  }
  return checks;
}
