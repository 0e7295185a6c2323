/**
 * Last line of defence against orphans: the process groups of every live child are killed when
 * this Node process exits (normally, by `process.exit()`, or after an uncaught exception). Parent
 * death by SIGKILL is covered by the child's own parent-death signal (`setpriv --pdeathsig`).
 */
const groups = new Set<number>();
let installed = false;

function killAll(): void {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  groups.clear();
}

/** Track the process group led by `pid` until `forget` is called. */
export function guardProcessGroup(pid: number): void {
  if (!installed) {
    installed = true;
    process.once('exit', killAll);
  }
  groups.add(pid);
}

export function forgetProcessGroup(pid: number): void {
  groups.delete(pid);
}

/** Process groups currently guarded (for diagnostics and tests). */
export function guardedGroupCount(): number {
  return groups.size;
}
