/**
 * Live progress bars for the demo, hand-rolled ANSI: one overall bar and one bar per lease slot
 * (rows, modules, current command), redrawn in place ten times a second. Event lines are printed
 * above the bars. Only for a TTY; callers print nothing live otherwise.
 */
import { BATCH_COMMANDS } from './demo-commands.js';
import type { DemoState, LaneState } from './demo-state.js';

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

/** The lines of one frame. */
export function frame(state: DemoState): string[] {
  const elapsed = state.elapsedMs;
  const rate = state.liveRows / Math.max(0.001, elapsed / 1000);
  const fraction = state.totalUnits === 0 ? 1 : state.unitsDone / state.totalUnits;
  const lines = [
    `overall   ${bar(fraction)} ${String(Math.floor(fraction * 100)).padStart(3)}%  batches ${state.batchesDone}/${state.totalBatches}  module-commands ${grouped(state.unitsDone)}/${grouped(state.totalUnits)}  rows ${grouped(state.liveRows)}  ${grouped(rate)} rows/s  ${clock(elapsed)}`,
  ];
  for (const lane of state.lanes) {
    const what =
      lane.phase === 'done'
        ? 'done'
        : lane.phase === 'running'
          ? lane.command
          : lane.phase === 'waiting'
            ? 'waiting'
            : lane.command;
    const batch =
      lane.batch === null || lane.phase === 'done'
        ? ''
        : `batch ${lane.batch + 1}/${state.totalBatches} ${lane.label} (${lane.batchModules} modules, ${lane.batchImports} imports)`;
    lines.push(
      `worker ${String(lane.lane + 1).padEnd(2)} ${bar(laneFraction(lane))} ${what.padEnd(16)} rows ${grouped(lane.rows).padStart(7)}  modules ${grouped(lane.units / BATCH_COMMANDS.length).padStart(5)}  ${batch}`,
    );
  }
  return lines;
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
    const width = Math.max(40, (this.#out.columns ?? 120) - 1);
    const lines = frame(this.#state).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
    this.#clear();
    this.#out.write(`${lines.join('\n')}\n`);
    this.#drawn = lines.length;
  }
}
