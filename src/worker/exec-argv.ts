/**
 * The Node options a supervisor thread starts with: the caller's, less the ones that describe how
 * the caller's own entry was given. A thread inherits `process.execArgv` by default, which after
 * `node --input-type=module -e <code>` holds the input type and the code itself; Node refuses
 * `--input-type` for a thread whose entry is a file, so the thread would die before it loaded.
 */

/** Options that take the next argument as their value when written without `=`. */
const ENTRY_OPTIONS_WITH_VALUE = new Set(['--input-type', '-e', '--eval', '-p', '--print']);
/** Options that stand alone. */
const ENTRY_FLAGS = new Set(['-i', '--interactive', '-c', '--check']);

/** `execArgv` without the options about the caller's entry point. */
export function supervisorExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  const kept: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const arg = execArgv[i] as string;
    const name = arg.startsWith('--') ? (arg.split('=')[0] as string) : arg;
    if (ENTRY_FLAGS.has(arg)) continue;
    if (ENTRY_OPTIONS_WITH_VALUE.has(name)) {
      if (!arg.includes('=')) i += 1;
      continue;
    }
    kept.push(arg);
  }
  return kept;
}
