/** What a capability builder resolves: the worker to start, plus the facts found on the way. */
import type { ResolvedWorker } from '../protocol/worker-spec.js';
import type { ToolchainFacts } from './toolchain.js';

/** What `resolve()` returns: a {@link ResolvedWorker} plus the facts found on the way. */
export interface ResolvedCapability extends ResolvedWorker {
  readonly toolchain: ToolchainFacts;
  /** Path of the capability manifest the session opens with, or null. */
  readonly manifestPath: string | null;
  /** The Lake build, or null when it was skipped. */
  readonly build: {
    readonly command: string;
    readonly args: readonly string[];
    readonly durationMs: number;
    readonly outputTail: string;
  } | null;
}
