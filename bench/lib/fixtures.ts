/** Fixture children, builders and typed commands the benchmarks share. */
import path from 'node:path';
import { z } from 'zod';
import { writeStandInLibrary, writeStandInToolchain } from '../../demo/lake/stand-in-capability.js';
import { defineJsonCommand, defineStreamingCommand, LeanWorkerCapabilityBuilder } from '../../src/index.js';
import { fixturePath } from '../../src/worker/paths.js';
import { PACKAGE_ROOT } from './report.js';

/** The fast row producer (`rows`, `echo`). */
export const FAST_ROWS_CHILD = fixturePath('children/fast-rows');
/** The general test child (`--open-kib` allocates real memory on session open). */
export const TEST_CHILD = fixturePath('children/test-child');

/** A compiled file as `dist/...`, wherever the compiled tree runs from. */
export const relativeToRoot = (file: string): string => {
  const at = file.lastIndexOf(`${path.sep}dist${path.sep}`);
  return at >= 0 ? file.slice(at + 1) : path.relative(PACKAGE_ROOT, file);
};

export const fastRows = defineStreamingCommand({
  export: 'rows',
  request: z.object({ count: z.number().int().nonnegative() }),
  row: z.object({ i: z.number(), name: z.string(), type: z.string() }),
  summary: z.object({ rows: z.number() }),
});

export const echo = defineJsonCommand({
  export: 'echo',
  request: z.object({ x: z.number() }),
  response: z.object({ echo: z.object({ x: z.number() }) }),
});

/** test-child `forever`: rows until stopped. */
export const forever = defineStreamingCommand({
  export: 'forever',
  request: z.object({}),
  row: z.unknown(),
  summary: z.unknown(),
});

/** test-child `crash_after`: rows, then the child exits with a code. */
export const crashAfter = defineStreamingCommand({
  export: 'crash_after',
  request: z.object({ rows: z.number() }),
  row: z.unknown(),
  summary: z.unknown(),
});

/**
 * The stand-in capability the benchmark children run under: a library file where `lake build
 * Bench:shared` would leave it and a stand-in toolchain, so the builder writes the capability
 * manifest the (strict) fixture children load, as a real child would.
 */
export function standInCapability(exports: Record<string, 'stream' | 'json'>) {
  writeStandInLibrary(PACKAGE_ROOT, 'Bench', 'Bench');
  return {
    projectRoot: PACKAGE_ROOT,
    package: 'Bench',
    libName: 'Bench',
    skipBuild: true,
    leanSysroot: writeStandInToolchain(path.join(PACKAGE_ROOT, '.lake', 'stand-in-toolchain')),
    exports,
  } as const;
}

/** A builder over the fast row producer. */
export function fastRowsSource(): LeanWorkerCapabilityBuilder {
  return new LeanWorkerCapabilityBuilder({
    ...standInCapability({ rows: 'stream', echo: 'json' }),
    imports: ['Bench'],
    worker: { command: process.execPath, args: [FAST_ROWS_CHILD] },
  });
}

/** A builder over the test child; `imports` decide the session key. */
export function testChildSource(imports: readonly string[], argv: readonly string[] = []) {
  return new LeanWorkerCapabilityBuilder({
    ...standInCapability({ forever: 'stream', crash_after: 'stream', rows: 'stream', echo: 'json' }),
    imports: [...imports],
    worker: { command: process.execPath, args: [TEST_CHILD, ...argv] },
  });
}
