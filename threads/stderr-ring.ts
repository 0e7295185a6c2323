/**
 * A bounded tail of a child's stderr. The stream is drained continuously, so a chatty child never
 * blocks on a full pipe, and memory stays at `capacity` bytes whatever the child writes.
 */
export class StderrRing {
  readonly #capacity: number;
  #chunks: Buffer[] = [];
  #held = 0;
  #total = 0;

  constructor(capacity: number) {
    this.#capacity = Math.max(1, capacity);
  }

  push(chunk: Buffer): void {
    this.#total += chunk.length;
    if (chunk.length >= this.#capacity) {
      this.#chunks = [Buffer.from(chunk.subarray(chunk.length - this.#capacity))];
      this.#held = this.#capacity;
      return;
    }
    this.#chunks.push(chunk);
    this.#held += chunk.length;
    while (this.#held > this.#capacity) {
      const first = this.#chunks[0] as Buffer;
      const excess = this.#held - this.#capacity;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#held -= first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#held -= excess;
      }
    }
  }

  /** The held tail as text, with a note of how much was dropped before it. */
  tail(): string {
    const text = Buffer.concat(this.#chunks, this.#held)
      .toString('utf8')
      .replace(/^\uFFFD+/, '');
    const dropped = this.#total - this.#held;
    return dropped > 0 ? `… (${dropped} bytes truncated)\n${text}` : text;
  }
}
