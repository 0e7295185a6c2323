/**
 * The demo's progress bars on a narrow terminal: at 80 columns every line fits, keeps its figures
 * (rows/s and elapsed time on the overall line, rows and modules on each worker line) and cuts
 * the batch label instead.
 */
import { describe, expect, it } from 'vitest';
import { fitLine, frame, ProgressRenderer } from '../../demo/progress.js';
import { DemoState } from '../../demo/state.js';

function busyState(): DemoState {
  const state = new DemoState(2, 51, 4_004);
  Object.assign(state, { batchesDone: 12, unitsDone: 1_234, liveRows: 1_234_567 });
  state.lanes.forEach((lane, i) => {
    Object.assign(lane, {
      phase: 'running',
      command: 'features',
      batch: 13 + i,
      label: 'Mathlib.Algebra.Order.Field.Basic .. Mathlib.Topology.MetricSpace.Pseudo.Defs',
      batchModules: 20,
      batchImports: 37,
      rows: 98_765,
      units: 200,
    });
  });
  return state;
}

// Strip the cursor controls the renderer writes; what is left are the drawn lines.
const drawn = (text: string) =>
  text
    .replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;?]*[A-Za-z]`, 'g'), '')
    .split(/[\r\n]/)
    .filter(Boolean);

describe('progress bars at 80 columns', () => {
  it('keep rows/s and elapsed time, and cut the label', () => {
    const state = busyState();
    let out = '';
    const renderer = new ProgressRenderer({ columns: 80, write: (t: string) => (out += t) }, state);
    renderer.stop();
    const lines = drawn(out);
    expect(lines).toHaveLength(3);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(79);
    expect(lines[0]).toMatch(/ rows\/s {2}\d+:\d\d/);
    for (const line of lines.slice(1)) {
      expect(line).toMatch(/rows +98,765 {2}modules +50/);
      expect(line).toMatch(/…$/);
    }
  });

  it('print the whole label when it fits', () => {
    const lines = frame(busyState(), 240).map((l) => fitLine(l, 239));
    expect(lines[1]).toContain('Mathlib.Topology.MetricSpace.Pseudo.Defs (20 modules, 37 imports)');
    expect(lines[0]).toContain('rows 1,234,567');
  });

  it('cut figures only when not even they fit', () => {
    expect(fitLine({ figures: 'abcdef', label: 'ghij' }, 8)).toBe('abcdefg…');
    expect(fitLine({ figures: 'abcdef', label: 'ghij' }, 4)).toBe('abc…');
  });
});
