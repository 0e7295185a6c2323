/**
 * Relays decoded rows to the consumer over a per-request MessagePort, in natural batches (what
 * one stdout read yields, capped by rows and bytes, never timers), with credit-based
 * backpressure: each posted batch spends one credit, the consumer grants credit as it pulls, and
 * with no credit left the relay asks its owner to stop reading the child's stdout.
 *
 * A batch travels as one JSON array text. Rows usually arrive as the JSON text the child wrote
 * (already parsed and checked here), so they are forwarded without being serialised again; posting
 * one string costs a copy, where structured cloning costs per object on both threads.
 */
import type { MessagePort } from 'node:worker_threads';
import type {
  BatchItem,
  RequestOutcome,
  RowPortMessage,
  RowPortReply,
} from '../src/protocol/port-messages.js';

export interface RelayOptions {
  /** Batches the consumer may have in flight before the relay waits. */
  readonly initialCredit: number;
  readonly maxBatchItems: number;
  readonly maxBatchBytes: number;
}

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

export class RowRelay {
  readonly #port: MessagePort;
  readonly #options: RelayOptions;
  readonly #hooks: RelayHooks;
  #credit: number;
  #current: string[] = [];
  #currentBytes = 0;
  #sealed: string[] = [];
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
    port.on('message', (message: RowPortReply) => this.#onReply(message));
    port.on('close', () => this.#onConsumerGone());
    port.start();
  }

  /** Whether sealed batches wait for credit. */
  get backlogged(): boolean {
    return this.#sealed.length > 0;
  }

  /** Add one item to the batch being built. */
  push(item: BatchItem, bytes: number): void {
    this.pushJson(JSON.stringify(item), bytes);
  }

  /**
   * Add one item given as JSON text; it must parse to a `BatchItem`: a row with exactly
   * `stream`, `sequence` and `payload`, or an event.
   */
  pushJson(json: string, bytes: number): void {
    this.#current.push(json);
    this.#currentBytes += bytes;
    if (
      this.#current.length >= this.#options.maxBatchItems ||
      this.#currentBytes >= this.#options.maxBatchBytes
    ) {
      this.#seal();
    }
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
    this.#port.removeAllListeners('close');
    this.#port.close();
  }

  #seal(): void {
    if (this.#current.length === 0) return;
    this.#sealed.push(`[${this.#current.join(',')}]`);
    this.#current = [];
    this.#currentBytes = 0;
  }

  #drain(): void {
    if (this.#closed) return;
    while (this.#sealed.length > 0 && this.#credit > 0) {
      const text = this.#sealed.shift() as string;
      this.#credit -= 1;
      this.#post({ type: 'batch', text });
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
      this.#post({ type: 'end', outcome: this.#end });
      this.close();
      return;
    }
    if (this.#paused) {
      this.#paused = false;
      this.#hooks.resume();
    }
  }

  #post(message: RowPortMessage): void {
    this.#port.postMessage(message);
  }

  #onReply(message: RowPortReply): void {
    if (message.type === 'credit') {
      this.#credit += message.batches;
      this.#drain();
    } else {
      this.#onConsumerGone();
    }
  }

  #onConsumerGone(): void {
    if (this.#closed) return;
    this.close();
    if (!this.#end) this.#hooks.consumerClosed();
  }
}
