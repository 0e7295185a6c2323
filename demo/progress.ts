/**
 * Live progress bars for the demo, hand-rolled ANSI: one overall bar and one bar per lease slot
 * (rows, modules, current command), redrawn in place ten times a second. Event lines are printed
 * above the bars. Only for a TTY; callers print nothing live otherwise. On a narrow terminal the
 * figures (rows/s, elapsed time, counts) stay and each line's label is cut.
 */
import { BATCH_COMMANDS } from './commands.js';
import type { DemoState, LaneState } from './state.js';

/** Where the renderer writes (a TTY stream). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly columns?: number;
}

const BAR_WIDTH = 24;
const ESC = '\x1b[';

/** `[██████░░░░]`-style bar for a fraction in [0, 1]. */
export function bar(fraction: number, width = BAR_WIDTH): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const full = Math.round(f * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** 12345 -> "12,345". */
export const grouped = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Milliseconds as m:ss. */
export function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function laneFraction(lane: LaneState): number {
  if (lane.phase === 'done') return 1;
  if (lane.batchModules === 0) return 0;
  const step = Math.max(0, BATCH_COMMANDS.indexOf(lane.command as (typeof BATCH_COMMANDS)[number]));
  return (step * lane.batchModules + lane.commandModulesDone) / (lane.batchModules * BATCH_COMMANDS.length);
}

/**
 * One line of a frame: `figures` (bar, counts, rows/s, elapsed) are kept whole; `label` (which
 * batch, which modules) is what a narrow terminal cuts.
 */
export interface FrameLine {
  readonly figures: string;
  readonly label: string;
}

/** Bars are narrower on terminals under this many columns. */
const WIDE_COLUMNS = 110;

/** The lines of one frame, for a terminal `columns` wide. */
export function frame(state: DemoState, columns = 120): FrameLine[] {
  const width = columns >= WIDE_COLUMNS ? BAR_WIDTH : 16;
  const elapsed = state.elapsedMs;
  const rate = state.liveRows / Math.max(0.001, elapsed / 1000);
  const fraction = state.totalUnits === 0 ? 1 : state.unitsDone / state.totalUnits;
  const lines: FrameLine[] = [
    {
      figures: `overall   ${bar(fraction, width)} ${String(Math.floor(fraction * 100)).padStart(3)}%  batches ${state.batchesDone}/${state.totalBatches}  ${grouped(rate)} rows/s  ${clock(elapsed)}`,
      label: `  rows ${grouped(state.liveRows)}  module-commands ${grouped(state.unitsDone)}/${grouped(state.totalUnits)}`,
    },
  ];
  for (const lane of state.lanes) {
    const what = lane.phase === 'done' ? 'done' : lane.phase === 'waiting' ? 'waiting' : lane.command;
    const batch =
      lane.batch === null || lane.phase === 'done'
        ? ''
        : `  batch ${lane.batch + 1}/${state.totalBatches} ${lane.label} (${lane.batchModules} modules, ${lane.batchImports} imports)`;
    lines.push({
      figures: `worker ${String(lane.lane + 1).padEnd(2)} ${bar(laneFraction(lane), width)} ${what.padEnd(9)} rows ${grouped(lane.rows).padStart(9)}  modules ${grouped(lane.units / BATCH_COMMANDS.length).padStart(5)}`,
      label: batch,
    });
  }
  return lines;
}

/** A frame line within `width` characters: the label is cut (with `…`) before any figure is. */
export function fitLine(line: FrameLine, width: number): string {
  const whole = `${line.figures}${line.label}`;
  if (whole.length <= width) return whole;
  const room = width - line.figures.length;
  if (room >= 2) return `${line.figures}${line.label.slice(0, room - 1)}…`;
  return line.figures.length <= width ? line.figures : `${line.figures.slice(0, width - 1)}…`;
}

export class ProgressRenderer {
  readonly #out: ProgressOutput;
  readonly #state: DemoState;
  #drawn = 0;
  #timer: NodeJS.Timeout | null = null;

  constructor(out: ProgressOutput, state: DemoState) {
    this.#out = out;
    this.#state = state;
    state.onEvent((line) => this.event(line));
  }

  start(periodMs = 100): void {
    this.#out.write(`${ESC}?25l`);
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), periodMs);
  }

  /** Draw the last frame and leave it on screen. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#draw();
    this.#drawn = 0;
    this.#out.write(`${ESC}?25h`);
  }

  /** Print a line above the bars. */
  event(line: string): void {
    this.#clear();
    this.#out.write(`${line}\n`);
    if (this.#timer) this.#draw();
  }

  #clear(): void {
    if (this.#drawn > 0) this.#out.write(`\r${ESC}${this.#drawn}A${ESC}J`);
    this.#drawn = 0;
  }

  #draw(): void {
    const columns = this.#out.columns ?? 120;
    // One column short of the edge, so a full line never wraps.
    const width = Math.max(40, columns - 1);
    const lines = frame(this.#state, columns).map((l) => fitLine(l, width));
    this.#clear();
    this.#out.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}
