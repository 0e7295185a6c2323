/**
 * Where a run's main-thread time goes, by function: V8's sampling profiler (through the
 * inspector) runs while `fn` does, and the time of every sample whose stack passes through one
 * of the named functions is summed. Inlined functions keep their own frames in V8's samples, so a
 * small function inlined into its caller still counts. The profiler adds its own cost to every
 * sample, so a figure read this way is a share of a slightly slower run.
 */
import { Session } from 'node:inspector/promises';

/** A function to count: its name and the end of its compiled file's URL. */
export interface FunctionRef {
  readonly name: string;
  readonly file: string;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export interface ProfiledRun<T> {
  readonly result: T;
  /** Sampled time (microseconds) with one of the named functions on the stack. */
  readonly insideUs: number;
  /** Sampled time of the whole run, idle samples excluded (microseconds). */
  readonly busyUs: number;
}

/** Run `fn` under the sampling profiler (`intervalUs` apart); the time spent inside `functions`. */
export async function profileInside<T>(
  fn: () => Promise<T>,
  functions: readonly FunctionRef[],
  intervalUs = 100,
): Promise<ProfiledRun<T>> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: intervalUs });
    await session.post('Profiler.start');
    const result = await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: Profile };
    return { result, ...timeInside(profile, functions) };
  } finally {
    session.disconnect();
  }
}

function timeInside(profile: Profile, functions: readonly FunctionRef[]) {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const matches = (n: ProfileNode) =>
    functions.some((f) => n.callFrame.functionName === f.name && n.callFrame.url.endsWith(f.file));
  // Whether a node or one of its callers is a named function, memoised per node.
  const inside = new Map<number, boolean>();
  const isInside = (id: number): boolean => {
    const known = inside.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id);
    const up = parent.get(id);
    const value = node !== undefined && (matches(node) || (up !== undefined && isInside(up)));
    inside.set(id, value);
    return value;
  };
  let insideUs = 0;
  let busyUs = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => {
    // A sample's delta is the time since the one before: it is charged to this sample's stack.
    const us = deltas[i] ?? 0;
    if (byId.get(id)?.callFrame.functionName === '(idle)') return;
    busyUs += us;
    if (isInside(id)) insideUs += us;
  });
  return { insideUs, busyUs };
}
