/**
 * Relays decoded rows to the consumer over a per-request MessagePort, in natural batches (what
 * one stdout read yields, capped by rows and bytes, never timers), with credit-based
 * backpressure: each batch spends one credit, the consumer grants credit as it pulls, and with
 * none left the relay asks its owner to stop reading the child's stdout.
 *
 * Small rows travel as JSON text built from the payload texts the child wrote (one string costs a
 * copy; structured cloning costs per object on both threads): rows of one stream with consecutive
 * sequences as a row run (stream, first sequence, payloads array), any other batch as the array
 * of its items. Batches of rows over `TEXT_BATCH_MAX_ROW_BYTES` on average are structured-cloned:
 * for kilobyte rows `JSON.parse` costs the consumer about twice what deserialising does.
 */
import type { MessagePort } from 'node:worker_threads';
import type {
  BatchItem,
  LeanWorkerDataRow,
  RequestOutcome,
  RowPortMessage,
  RowPortReply,
} from '../src/protocol/port-messages.js';
import type { RelayOptions } from '../src/protocol/thread-contract.js';

/** Average wire bytes per item up to which a batch travels as JSON text. */
export const TEXT_BATCH_MAX_ROW_BYTES = 1024;

export const DEFAULT_RELAY_OPTIONS: RelayOptions = Object.freeze({
  initialCredit: 8,
  maxBatchItems: 256,
  maxBatchBytes: 64 * 1024,
});

export interface RelayHooks {
  /** Stop reading stdout: the consumer holds no credit. */
  pause(): void;
  /** Credit arrived and nothing is waiting: read stdout again. */
  resume(): void;
  /** The consumer closed its end before the stream finished. */
  consumerClosed(): void;
}

/** An item's JSON text, reusing a row's payload text where it is known. */
function itemText(item: BatchItem, payloadText: string | undefined): string {
  if (payloadText === undefined || 'kind' in item) return JSON.stringify(item);
  return `{"stream":${JSON.stringify(item.stream)},"sequence":${item.sequence},"payload":${payloadText}}`;
}

export class RowRelay {
  readonly #port: MessagePort;
  readonly #options: RelayOptions;
  readonly #hooks: RelayHooks;
  #credit: number;
  #current: BatchItem[] = [];
  /** The payload JSON text of each row of `#current`, where it is known already. */
  #currentText: (string | undefined)[] = [];
  #currentBytes = 0;
  /** Whether `#current` is rows of one stream, with payload texts and consecutive sequences. */
  #run = true;
  #sealed: RowPortMessage[] = [];
  #end: RequestOutcome | null = null;
  #paused = false;
  #closed = false;
  /** Times the relay ran out of credit and stopped reading. */
  waits = 0;

  constructor(port: MessagePort, options: RelayOptions, hooks: RelayHooks) {
    this.#port = port;
    this.#options = options;
    this.#hooks = hooks;
    this.#credit = options.initialCredit;
    port.on('message', (message: RowPortReply) => {
      if (message.type !== 'credit') return this.#onConsumerGone();
      this.#credit += message.batches;
      this.#drain();
    });
    // A reply that cannot be read could have been a credit or a close: end the request rather
    // than wait on credit that may never come.
    port.on('messageerror', () => this.#onConsumerGone());
    port.on('close', () => this.#onConsumerGone());
    port.start();
  }

  /**
   * Add one item to the batch being built. `payloadText`, when given, is a row's payload as JSON
   * text; it is forwarded as is if the batch goes as text.
   */
  push(item: BatchItem, bytes: number, payloadText?: string): void {
    const current = this.#current;
    if (this.#run) {
      const first = current[0] as LeanWorkerDataRow | undefined;
      this.#run =
        payloadText !== undefined &&
        !('kind' in item) &&
        (first === undefined ||
          (item.stream === first.stream && item.sequence === first.sequence + current.length));
    }
    current.push(item);
    this.#currentText.push(payloadText);
    this.#currentBytes += bytes;
    const { maxBatchItems, maxBatchBytes } = this.#options;
    if (current.length >= maxBatchItems || this.#currentBytes >= maxBatchBytes) this.#seal();
  }

  /** End of one stdout read: post what was gathered, as far as credit allows. */
  flush(): void {
    this.#seal();
    this.#drain();
  }

  /** Queue the terminal outcome behind every pending batch; it needs no credit. */
  end(outcome: RequestOutcome): void {
    this.#seal();
    this.#end = outcome;
    this.#drain();
  }

  /** Stop relaying (the request is over or abandoned); nothing more is posted. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#port.removeAllListeners('message');
    this.#port.removeAllListeners('messageerror');
    this.#port.removeAllListeners('close');
    this.#port.close();
  }

  #seal(): void {
    const items = this.#current;
    if (items.length === 0) return;
    const texts = this.#currentText;
    if (this.#currentBytes > TEXT_BATCH_MAX_ROW_BYTES * items.length) {
      this.#sealed.push({ type: 'batch', items });
    } else if (this.#run) {
      const first = items[0] as LeanWorkerDataRow;
      const text = `[${texts.join(',')}]`;
      this.#sealed.push({ type: 'rows', stream: first.stream, first: first.sequence, text });
    } else {
      const parts = items.map((item, i) => itemText(item, texts[i]));
      this.#sealed.push({ type: 'batch', text: `[${parts.join(',')}]` });
    }
    this.#current = [];
    this.#currentText = [];
    this.#currentBytes = 0;
    this.#run = true;
  }

  #drain(): void {
    if (this.#closed) return;
    while (this.#sealed.length > 0 && this.#credit > 0) {
      this.#credit -= 1;
      this.#port.postMessage(this.#sealed.shift());
    }
    if (this.#sealed.length > 0) {
      if (!this.#paused) {
        this.#paused = true;
        this.waits += 1;
        this.#hooks.pause();
      }
      return;
    }
    if (this.#end) {
      this.#port.postMessage({ type: 'end', outcome: this.#end } satisfies RowPortMessage);
      this.close();
      return;
    }
    if (this.#paused) {
      this.#paused = false;
      this.#hooks.resume();
    }
  }

  #onConsumerGone(): void {
    if (this.#closed) return;
    this.close();
    if (!this.#end) this.#hooks.consumerClosed();
  }
}

/**
 * Whether the `waits`-th wait is told to the owner: the first, then each power of two. So a stream
 * that waits W times sends about log2(W) `backpressure` events to the main thread, not W: a
 * consumer in another thread keeps the main thread idle. The exact count arrives with the
 * terminal outcome (`stats.backpressureWaits`).
 */
export function reportsWait(waits: number): boolean {
  return waits > 0 && (waits & (waits - 1)) === 0;
}
