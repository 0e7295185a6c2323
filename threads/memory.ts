/**
 * Memory of a child process tree, as this thread's platform layer reads it: `/proc` on Linux (the
 * RssAnon / RssFile / RssShmem breakdown, PSS when asked), pidusage elsewhere (RSS only).
 */
import type { MemorySample } from '../src/protocol/port-messages.js';
import { threadPlatform } from './platform/layer.js';

export { unavailableSample } from './platform/tree-memory.js';

/** Sample the tree rooted at `pid`; `withPss` adds PSS where `/proc` gives it. */
export function sampleMemory(pid: number, withPss = false): Promise<MemorySample> {
  return threadPlatform().sampleTree(pid, withPss);
}
