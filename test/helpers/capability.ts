/**
 * A stand-in capability for pool tests: the repository root as the Lake project of package and
 * library `Fixture`, with a stand-in shared library where `lake build Fixture:shared` would leave
 * it and the stand-in toolchain (`fixtures/toolchain`, whose `lean.h` feeds the fingerprint). The
 * builder writes the real manifest from these, and strict fixture children load it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeStandInLibrary } from '../../demo/lake/stand-in-capability.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STAND_IN_SYSROOT = path.join(ROOT, 'fixtures/toolchain');
export const FAKE_BIN = path.join(ROOT, 'fixtures/bin');

/** Fixture children that enforce the real child's contract unless started with `--lenient`. */
export const STRICT_FIXTURES: ReadonlySet<string> = new Set(['test-child', 'mathlib-child', 'fast-rows']);

/** Exports of `fixtures/children/test-child.ts` with the binding each one needs. */
export const TEST_CHILD_EXPORTS: Readonly<Record<string, 'stream' | 'json'>> = Object.freeze({
  ...Object.fromEntries(
    [
      'rows',
      'multi_stream',
      'chunked',
      'generator',
      'crash_after',
      'abort_after',
      'hang',
      'hang_after_rows',
      'hold',
      'hang_progress',
      'slow',
      'forever',
      'big_row',
      'heavy_rows',
      'stderr_flood',
      'throws',
      'throws_code',
      'malformed',
      'status',
      'ignore_stop',
      'needs_session_stream',
    ].map((name) => [name, 'stream' as const]),
  ),
  ...Object.fromEntries(
    [
      'echo',
      'echo_raw',
      'process_info',
      'json_throws',
      'big_json',
      'session_info',
      'metadata',
      'metadata_malformed',
      'metadata_not_json',
      'doctor',
      'doctor_malformed',
    ].map((name) => [name, 'json' as const]),
  ),
});

/** Write the stand-in `Fixture` library under `<root>/.lake/build/lib` (idempotent). */
export function ensureStandInLibrary(root = ROOT, pkg = 'Fixture', lib = 'Fixture'): string {
  return writeStandInLibrary(root, pkg, lib);
}

/** Builder options for the stand-in capability (spread into a builder's options). */
export function standInCapability(): {
  projectRoot: string;
  package: string;
  libName: string;
  skipBuild: true;
  leanSysroot: string;
  leanCommand: string;
  exports: Record<string, 'stream' | 'json'>;
} {
  ensureStandInLibrary();
  return {
    projectRoot: ROOT,
    package: 'Fixture',
    libName: 'Fixture',
    skipBuild: true,
    leanSysroot: STAND_IN_SYSROOT,
    leanCommand: path.join(FAKE_BIN, 'lean'),
    exports: { ...TEST_CHILD_EXPORTS },
  };
}
