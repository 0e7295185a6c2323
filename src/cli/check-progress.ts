/**
 * The progress line of `lean-worker check`, redrawn in place on a TTY after each snippet (at most
 * ten times a second, driven by results, never by a timer). Nothing is drawn off a TTY.
 */
import { CHECK_STATUSES, type CheckResult, type CheckStatus } from './check-run.js';

/** Where the line is drawn. */
export interface ProgressSink {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

const WIDTH = 30;

export class CheckProgress {
  readonly #out: ProgressSink | null;
  readonly #total: number;
  readonly #began = performance.now();
  readonly #counts = Object.fromEntries(CHECK_STATUSES.map((s) => [s, 0])) as Record<CheckStatus, number>;
  #drawnAt = 0;
  #drawn = false;

  /** `out` null (or not a TTY): count only. */
  constructor(out: ProgressSink | null, total: number) {
    this.#out = out?.isTTY ? out : null;
    this.#total = total;
  }

  /** Count one result and redraw when due. */
  add(result: CheckResult, done: number): void {
    this.#counts[result.status] += 1;
    const now = performance.now();
    if (this.#out === null || (now - this.#drawnAt < 100 && done < this.#total)) return;
    this.#drawnAt = now;
    this.#drawn = true;
    this.#out.write(`\r\x1b[2K${this.line(done)}`);
  }

  /** The line for `done` snippets checked. */
  line(done: number): string {
    const fraction = this.#total === 0 ? 1 : done / this.#total;
    const full = Math.round(fraction * WIDTH);
    const c = this.#counts;
    const failed = c.timeout + c.crash + c.header_failed + c.failed;
    const seconds = ((performance.now() - this.#began) / 1000).toFixed(1);
    return `[${'#'.repeat(full)}${'.'.repeat(WIDTH - full)}] ${done}/${this.#total}  ok ${c.ok}  errors ${c.errors}  failed ${failed}  ${seconds} s`;
  }

  /** Clear the line before the report is printed. */
  finish(): void {
    if (this.#out !== null && this.#drawn) this.#out.write('\r\x1b[2K');
  }
}
