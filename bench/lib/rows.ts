/**
 * Synthetic rows shaped like a Lean export's output: a stream name, a sequence number and a JSON
 * payload with Lean-style Unicode (⊢ ℕ ℝ → ∀). Small rows carry about 100 bytes of payload; large
 * rows about 4 KiB. Deterministic, so every run sees the same bytes.
 */

export interface BenchRow {
  readonly stream: string;
  readonly sequence: number;
  readonly payload: { readonly i: number; readonly name: string; readonly type: string };
}

const STATEMENTS = [
  '⊢ ∀ (n : ℕ), 0 < n → ∃ m, m + 1 = n',
  '∀ (x : ℝ), 0 ≤ x → √x * √x = x',
  '⊢ ∀ {α} [LinearOrder α] (a b : α), a ≤ b → ¬b < a',
  '∀ (f : ℕ → ℝ), Monotone f → f 0 ≤ f 1',
];

export type RowSize = 'small' | 'large';

/** Row counts of the two payload sets. */
export const ROW_SETS: Readonly<Record<RowSize, number>> = { small: 8_192, large: 512 };

/** About 4 KiB of UTF-8: statements joined until the byte length reaches the target. */
function largeType(i: number): string {
  let text = '';
  for (let k = 0; Buffer.byteLength(text) < 4_000; k++) text += `${STATEMENTS[(i + k) & 3]} ∧ `;
  return text;
}

export function makeRows(size: RowSize, count: number = ROW_SETS[size]): BenchRow[] {
  const rows: BenchRow[] = [];
  for (let i = 0; i < count; i++) {
    rows.push({
      stream: 'rows',
      sequence: i,
      payload: {
        i,
        name: `Mathlib.Nat.lemma_${i}`,
        type: size === 'small' ? (STATEMENTS[i & 3] as string) : largeType(i),
      },
    });
  }
  return rows;
}

/** UTF-8 bytes of the JSON text of each row's payload, averaged. */
export function payloadBytesPerRow(rows: readonly BenchRow[]): number {
  let total = 0;
  for (const r of rows) total += Buffer.byteLength(JSON.stringify(r.payload));
  return total / rows.length;
}
