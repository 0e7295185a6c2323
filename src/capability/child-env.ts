/**
 * The child environment. Built in this order, later entries winning:
 * 1. parent variables on {@link CHILD_ENV_ALLOWLIST} (and every `LC_*`): locale, home, temp
 *    dirs, PATH and the elan home, which a Lean child needs to find its toolchain and write
 *    temporary files; nothing else of the parent leaks (no loader variables, no secrets);
 * 2. {@link CHILD_BASE_ENV} (`LEAN_ABORT_ON_PANIC=1`, `LEAN_BACKTRACE=0`, `RUST_BACKTRACE=0`);
 * 3. `LEAN_SYSROOT` from toolchain discovery;
 * 4. typed knobs (reference section 3.10);
 * 5. the explicit `worker.env`, which wins over everything.
 */
import { CHILD_BASE_ENV } from '../protocol/constants.js';
import type { ResolvedBuilderOptions } from './options.js';

/** Parent variables passed to the child (plus every `LC_*`). */
export const CHILD_ENV_ALLOWLIST: readonly string[] = Object.freeze(
  'PATH HOME USER LOGNAME LANG LANGUAGE TZ TMPDIR TMP TEMP ELAN_HOME'.split(' '),
);

/** Typed child knobs that map onto environment variables. */
type ChildKnobs = Pick<
  ResolvedBuilderOptions,
  'sessionPoolCapacity' | 'numThreads' | 'leanMaxMemoryKib' | 'moduleCache'
>;

/** Environment variables for the typed knobs that are set. */
function knobEnv(knobs: ChildKnobs): Record<string, string> {
  const out: Record<string, string> = {};
  const put = (name: string, value: number | undefined): void => {
    if (value !== undefined) out[name] = String(value);
  };
  put('LEAN_RS_WORKER_SESSION_POOL_CAPACITY', knobs.sessionPoolCapacity);
  put('LEAN_RS_NUM_THREADS', knobs.numThreads); // Lean task-manager threads
  put('LEAN_RS_LEAN_MAX_MEMORY_KIB', knobs.leanMaxMemoryKib); // crossing it aborts the child
  put('LEAN_RS_MODULE_CACHE_MAX_ENTRIES', knobs.moduleCache?.maxEntries);
  put('LEAN_RS_MODULE_CACHE_TTL_MILLIS', knobs.moduleCache?.ttlMs);
  put('LEAN_RS_MODULE_CACHE_MAX_BYTES', knobs.moduleCache?.maxBytes);
  put('LEAN_RS_MODULE_CACHE_RSS_GUARD_KIB', knobs.moduleCache?.rssGuardKib); // 0 never clears
  put('LEAN_RS_VERIFY_RSS_TAINT_KIB', knobs.moduleCache?.verifyRssTaintKib); // 0 off
  return out;
}

/** The allowlisted part of a parent environment. */
export function allowlistedParentEnv(
  parent: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value !== undefined && (CHILD_ENV_ALLOWLIST.includes(name) || name.startsWith('LC_')))
      out[name] = value;
  }
  return out;
}

/** Assemble the complete child environment (see the module comment for the order). */
export function buildChildEnv(input: {
  readonly parent: Readonly<Record<string, string | undefined>>;
  readonly sysroot: string | null;
  readonly knobs: ChildKnobs;
  readonly explicit: Readonly<Record<string, string>>;
}): Record<string, string> {
  return {
    ...allowlistedParentEnv(input.parent),
    ...CHILD_BASE_ENV,
    ...(input.sysroot === null ? {} : { LEAN_SYSROOT: input.sysroot }),
    ...knobEnv(input.knobs),
    ...input.explicit,
  };
}
