/** Repl workers over the compiled fake repl, in pools destroyed when the current test finishes. */

import { demoPath } from '../../demo/paths.js';
import { LeanReplBuilder, type LeanReplBuilderOptions } from '../../src/repl/builder.js';

export { eventually, listen, makePool, rejection } from '../pool/helpers.js';

/** A builder for the fake repl with `env` for the child (see `demo/repl/fake-repl.ts`). */
export function fakeRepl(
  env: Record<string, string> = {},
  options: Omit<LeanReplBuilderOptions, 'command' | 'args' | 'env'> = {},
): LeanReplBuilder {
  return new LeanReplBuilder({
    command: process.execPath,
    args: [demoPath('repl/fake-repl')],
    env,
    startupTimeoutMs: 10_000,
    requestTimeoutMs: 10_000,
    ...options,
  });
}

export const MATHLIB = 'import Mathlib\nimport Aesop\n\n';
