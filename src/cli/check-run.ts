/**
 * Checking many snippets in parallel on warm repl workers. Each lane runs one check at a time
 * and keeps to one header while that header has snippets left, so a lane's worker stays warm; a
 * lane whose header ran out joins the header with the most snippets left per lane. Every check
 * has its own lease: a worker killed by a deadline or a crash is replaced under the next lease.
 * The snippets come from the command line: a `.lean` file is one snippet, a `.json` file a list
 * (strings, `{id, text}` objects, or `{"snippets": [...]}`); a file that gives none is an
 * `INVALID_ARGUMENT` error with `facts.kind: 'snippet_input'` and the reason.
 */
import { ErrorCode, LeanWorkerError } from '../errors.js';
import type { LeanWorkerPool } from '../pool/pool.js';
import type { ReplMessageRow, ReplSorryRow } from '../protocol/repl-rows.js';
import type { LeanReplBuilder } from '../repl/builder.js';
import { splitSnippet } from '../repl/snippet.js';
import { inputError, parseInputJson, readInputText } from './input-file.js';

/** One snippet to check. */
export interface CheckItem {
  readonly id: string;
  readonly text: string;
}

/** Largest snippet file read. @default 64 MiB */
export const MAX_SNIPPET_FILE_BYTES = 64 * 1024 * 1024;

const KIND = 'snippet_input';

/** The snippets of `path`. */
export async function readSnippetInput(
  path: string,
  maxBytes = MAX_SNIPPET_FILE_BYTES,
): Promise<CheckItem[]> {
  const text = await readInputText(KIND, path, maxBytes);
  if (!path.endsWith('.json')) return [{ id: path, text }];
  const parsed = parseInputJson(KIND, path, text);
  const list =
    Array.isArray(parsed) || typeof parsed !== 'object' || parsed === null
      ? parsed
      : (parsed as { snippets?: unknown }).snippets;
  if (!Array.isArray(list)) {
    throw inputError(KIND, path, 'not-a-list', `${path}: expected a list of snippets or {"snippets": [...]}`);
  }
  return list.map((entry: unknown, i) => {
    if (typeof entry === 'string') return { id: `${path}#${i}`, text: entry };
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as { id?: unknown; text?: unknown };
    if (typeof e.text !== 'string') {
      const message = `${path}: snippet ${i} is not a string or {id, text}`;
      throw inputError(KIND, path, 'entry-without-text', message);
    }
    return { id: typeof e.id === 'string' ? e.id : `${path}#${i}`, text: e.text };
  });
}

/** How a snippet can come out. */
export const CHECK_STATUSES = ['ok', 'errors', 'timeout', 'crash', 'header_failed', 'failed'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

/** A message or sorry position in the snippet's own coordinates. */
export interface CheckFinding {
  readonly line: number;
  readonly column: number;
  readonly text: string;
}

/** The result of one snippet. */
export interface CheckResult {
  readonly id: string;
  readonly status: CheckStatus;
  /** The snippet checked with no error message. */
  readonly ok: boolean;
  readonly errors: readonly CheckFinding[];
  readonly warnings: readonly CheckFinding[];
  /** Each sorry with its goal as `text`. */
  readonly sorries: readonly CheckFinding[];
  /** Error code of a failed check (timeout, crash, header, other). */
  readonly code: string | null;
  readonly elapsedMs: number;
}

/** Run options of {@link checkAll}. */
export interface CheckRunOptions {
  readonly lanes: number;
  readonly timeoutMs: number;
  /** Called after each snippet, in completion order. */
  readonly onResult?: (result: CheckResult, done: number) => void;
}

function statusOf(error: unknown): { status: CheckStatus; code: string } {
  if (!(error instanceof LeanWorkerError)) return { status: 'failed', code: 'error' };
  const code = error.code;
  if (code === ErrorCode.TIMEOUT) return { status: 'timeout', code };
  if (code === ErrorCode.CHILD_CRASH || code === ErrorCode.CHILD_EXIT) return { status: 'crash', code };
  if (error.facts.kind === 'repl_header_failed') return { status: 'header_failed', code };
  return { status: 'failed', code };
}

function finding(pos: { line: number; column: number } | null, text: string): CheckFinding {
  return { line: pos?.line ?? 0, column: pos?.column ?? 0, text };
}

/** Check one snippet under its own lease. */
async function checkOne(
  pool: LeanWorkerPool,
  builder: LeanReplBuilder,
  item: CheckItem,
  timeoutMs: number,
): Promise<CheckResult> {
  const began = performance.now();
  const found = {
    errors: [] as CheckFinding[],
    warnings: [] as CheckFinding[],
    sorries: [] as CheckFinding[],
  };
  const result = (status: CheckStatus, code: string | null): CheckResult => {
    const ok = status === 'ok';
    return { id: item.id, status, ok, ...found, code, elapsedMs: performance.now() - began };
  };
  try {
    const { rows, summary } = await pool.withLease(builder.forSnippet(item.text), (lease) =>
      lease.check(item.text, { timeoutMs }).collect(),
    );
    for (const row of rows) {
      if (row.stream === 'sorries') {
        const s = row.payload as ReplSorryRow;
        found.sorries.push(finding(s.pos, s.goal));
        continue;
      }
      const m = row.payload as ReplMessageRow;
      if (m.severity === 'error') found.errors.push(finding(m.pos, m.text));
      else if (m.severity === 'warning') found.warnings.push(finding(m.pos, m.text));
    }
    return result((summary.metadata?.ok ?? found.errors.length === 0) ? 'ok' : 'errors', null);
  } catch (error) {
    const { status, code } = statusOf(error);
    return result(status, code);
  }
}

/** Snippets grouped by header, handed to lanes with header affinity. */
class HeaderQueues {
  /** Indexes of the items left, by header. */
  readonly #byKey = new Map<string, number[]>();
  readonly #lanesOn = new Map<string, number>();

  constructor(items: readonly CheckItem[]) {
    items.forEach((item, index) => {
      const key = splitSnippet(item.text).sessionKey;
      const list = this.#byKey.get(key);
      if (list) list.push(index);
      else this.#byKey.set(key, [index]);
    });
  }

  /** The next item for a lane on `current` (null: none yet), and the header it is on now. */
  next(current: string | null): { index: number; key: string } | null {
    let key = current;
    if (key === null || (this.#byKey.get(key)?.length ?? 0) === 0) {
      if (key !== null) this.#lanesOn.set(key, (this.#lanesOn.get(key) ?? 1) - 1);
      key = null;
      let best = 0;
      for (const [k, list] of this.#byKey) {
        const share = list.length / ((this.#lanesOn.get(k) ?? 0) + 1);
        if (share > best) [key, best] = [k, share];
      }
      if (key === null) return null;
      this.#lanesOn.set(key, (this.#lanesOn.get(key) ?? 0) + 1);
    }
    const index = this.#byKey.get(key)?.shift();
    return index === undefined ? null : { index, key };
  }
}

/** Check every item; results come back in input order. */
export async function checkAll(
  pool: LeanWorkerPool,
  builder: LeanReplBuilder,
  items: readonly CheckItem[],
  options: CheckRunOptions,
): Promise<CheckResult[]> {
  const queues = new HeaderQueues(items);
  const results: CheckResult[] = new Array(items.length);
  let done = 0;
  const lane = async (): Promise<void> => {
    let key: string | null = null;
    for (;;) {
      const next = queues.next(key);
      if (next === null) return;
      key = next.key;
      const result = await checkOne(pool, builder, items[next.index] as CheckItem, options.timeoutMs);
      results[next.index] = result;
      options.onResult?.(result, ++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.lanes) }, lane));
  return results;
}
