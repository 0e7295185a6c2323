/**
 * Memory-aware admission. Decisions use private memory (RssAnon + RssShmem) per worker plus one
 * copy of shared file pages (the largest RssFile seen, standing for the mapped `.olean` image all
 * workers share), never a sum of RSS that counts shared pages once per worker. A cold open is
 * predicted to cost what that key cost before (the peak of its workers' samples: after the
 * imports, and every background sample since); a key
 * never opened is no blank cheque: it takes `defaultWorkerCostKib` when set, else the largest cost
 * learned of any key, and is unknown (null) only while the pool has learned nothing.
 */
import type { MemorySample } from '../protocol/port-messages.js';
import { BoundedMap } from './bounded-map.js';
import type { ResolvedPoolOptions } from './options.js';

/** The figure of `sample` the pool decides on. */
export function measureOf(sample: MemorySample, measure: ResolvedPoolOptions['memoryMeasure']): number {
  if (measure === 'rss') return sample.rssKib;
  if (measure === 'pss' && sample.pssKib !== null) return sample.pssKib;
  return sample.privateKib;
}

/**
 * `workersKib`: each worker's decision measure summed (an unavailable sample counts its predicted
 * cost); `sharedFileKib`: one copy of shared file pages (added once when the measure is private).
 */
export type MemoryFigures = ReturnType<MemoryPolicy['figures']>;

export class MemoryPolicy {
  readonly #options: ResolvedPoolOptions;
  readonly #learned = new BoundedMap<string, number>();
  /** Largest cost ever learned (kept when its key is forgotten). */
  #largest: number | null = null;
  /** Largest shared file pages (RssFile) seen of one worker: the copy every worker maps. */
  #sharedKib = 0;

  constructor(options: ResolvedPoolOptions) {
    this.#options = options;
  }

  /** Record what a key's worker cost after opening its session (keeps the peak). */
  learn(key: string, sample: MemorySample): void {
    if (!sample.available) return;
    const value = measureOf(sample, this.#options.memoryMeasure);
    this.#learned.set(key, Math.max(this.#learned.get(key) ?? 0, value));
    this.#largest = Math.max(this.#largest ?? 0, value);
    this.#sharedKib = Math.max(this.#sharedKib, sample.rssFileKib ?? 0);
  }

  /**
   * Shared file pages a start will bring when no live worker shows them (all gone or starting),
   * under the `private` measure, which counts one copy of them; else 0.
   */
  sharedToAdd(figures: MemoryFigures): number {
    if (this.#options.memoryMeasure !== 'private') return 0;
    return Math.max(0, this.#sharedKib - figures.sharedFileKib);
  }

  /** Predicted cost (KiB) of a cold worker for `key`: learned, estimated, the prior, else null. */
  known(key: string): number | null {
    const learned = this.#learned.get(key);
    if (learned !== undefined) return learned;
    if (this.#options.defaultWorkerCostKib > 0) return this.#options.defaultWorkerCostKib;
    return this.#largest;
  }

  /** Predicted cost (KiB) of a cold worker for `key`; 0 while nothing at all is known. */
  predict(key: string): number {
    return this.known(key) ?? 0;
  }

  learnedKeys(): number {
    return this.#learned.size;
  }

  /** Current figures over `entries`. */
  figures(entries: Iterable<{ readonly key: string; readonly lastSample: MemorySample | null }>) {
    let workersKib = 0;
    let sharedFileKib = 0;
    let rssSumKib = 0;
    let privateSumKib = 0;
    let pssSumKib: number | null = 0;
    let unavailable = 0;
    for (const entry of entries) {
      const sample = entry.lastSample;
      if (!sample?.available) {
        unavailable += 1;
        workersKib += this.predict(entry.key);
        continue;
      }
      workersKib += measureOf(sample, this.#options.memoryMeasure);
      sharedFileKib = Math.max(sharedFileKib, sample.rssFileKib ?? 0);
      rssSumKib += sample.rssKib;
      privateSumKib += sample.privateKib;
      pssSumKib = pssSumKib !== null && sample.pssKib !== null ? pssSumKib + sample.pssKib : null;
    }
    const shared = this.#options.memoryMeasure === 'private' ? sharedFileKib : 0;
    return {
      workersKib,
      sharedFileKib,
      totalKib: workersKib + shared,
      rssSumKib,
      privateSumKib,
      pssSumKib,
      unavailable,
    };
  }
}
