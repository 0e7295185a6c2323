/**
 * The client's reader of row streams: one blocking connection reads every open job's stream in
 * one XREAD, and hands each job its entries. A job whose consumer has `bufferRows` unread entries
 * is left out of the read until it drains, so the client holds at most that many per job (plus one
 * read's worth) and the node, seeing its stream fill, stops its child. A new or drained job wakes
 * a blocked read at once (CLIENT UNBLOCK). A failed connection fails every open job with
 * CLUSTER_UNAVAILABLE.
 */
import type { Redis } from 'ioredis';
import type { LeanWorkerClusterStream } from './cluster-stream.js';
import { closeQuietly, clusterError, sleep } from './redis.js';
import { parseEntry } from './wire.js';

const ENTRIES_PER_READ = 8;

export class RowReader {
  readonly #blocking: Redis;
  readonly #command: Redis;
  readonly #feeds = new Map<string, { feed: LeanWorkerClusterStream; lastId: string }>();
  readonly #o: { readonly blockMs: number; readonly bufferRows: number };
  #clientId: number | null = null;
  #blocked = false;
  #closed = false;
  #wake: (() => void) | null = null;
  #loop: Promise<void> | null = null;

  constructor(blocking: Redis, command: Redis, options: { blockMs: number; bufferRows: number }) {
    this.#blocking = blocking;
    this.#command = command;
    this.#o = options;
    blocking.on('ready', () => {
      this.#clientId = null;
    });
  }

  open(feed: LeanWorkerClusterStream): void {
    this.#feeds.set(feed.key, { feed, lastId: '0-0' });
    this.#loop ??= this.#run();
    this.poke();
  }

  close(feed: LeanWorkerClusterStream): void {
    this.#feeds.delete(feed.key);
  }

  /** A job was added or drained: read again now. */
  poke(): void {
    this.#wake?.();
    this.#wake = null;
    if (this.#blocked && this.#clientId !== null) {
      this.#command.client('UNBLOCK', this.#clientId).catch(() => {});
    }
  }

  async #run(): Promise<void> {
    while (!this.#closed) {
      const open = [...this.#feeds.values()].filter((f) => f.feed.buffered() < this.#o.bufferRows);
      if (open.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      try {
        this.#clientId ??= Number(await this.#blocking.client('ID'));
        this.#blocked = true;
        const keys = open.map((f) => f.feed.key);
        const ids = open.map((f) => f.lastId);
        const reply = (await this.#blocking.xread(
          'COUNT',
          // Entries hold up to ROWS_PER_ENTRY rows: a read adds at most this many to a buffer.
          ENTRIES_PER_READ,
          'BLOCK',
          this.#o.blockMs,
          'STREAMS',
          ...keys,
          ...ids,
        )) as [string, [string, string[]][]][] | null;
        this.#blocked = false;
        for (const [key, entries] of reply ?? []) {
          const slot = this.#feeds.get(key);
          if (!slot) continue;
          for (const [id, fields] of entries) {
            slot.lastId = id;
            try {
              slot.feed.push(id, parseEntry(fields));
            } catch (error) {
              slot.feed.fail(clusterError(error, { jobId: slot.feed.jobId }));
            }
          }
        }
      } catch (error) {
        this.#blocked = false;
        if (this.#closed) break;
        // The connection failed: each open job's outcome is unknown to this client now.
        for (const { feed } of [...this.#feeds.values()]) {
          feed.fail(clusterError(error, { jobId: feed.jobId, reason: 'connection_lost' }));
        }
        await sleep(100);
      }
    }
  }

  async shutdown(): Promise<void> {
    this.#closed = true;
    this.poke();
    await closeQuietly(this.#blocking);
    await this.#loop?.catch(() => {});
  }
}
