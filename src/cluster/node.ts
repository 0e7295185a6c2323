/**
 * LeanWorkerNode: one machine's pool in the cluster. It announces its free leases, memory
 * headroom and warm keys under an expiring key, pulls jobs from its own queue first and from the
 * cold queue only when a cold start fits its pool now, runs each through a lease, renews each
 * job's lock while it runs, answers cancellations, and sweeps dead nodes' queues.
 */
import { hostname } from 'node:os';
import { type Job, Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { ErrorCode, makeError } from '../errors.js';
import { parseOptions } from '../parse-options.js';
import { LeanWorkerPool } from '../pool/pool.js';
import {
  capacityOf,
  coldTurn,
  emptyNodeCounters,
  type LeanWorkerNodeSnapshot,
  type NodeAnnouncement,
} from './announce.js';
import { publishCluster } from './events.js';
import { type NodeContext, runAttempt } from './node-job.js';
import { type LeanWorkerNodeOptions, nodeSchema, type ResolvedNodeOptions } from './options.js';
import { bounded, closeQuietly, connect, redisOptions, sleep } from './redis.js';
import { drainToCold, sweep } from './sweeper.js';
import { WarmKeys } from './warm-keys.js';
import { type ClusterKeys, clusterKeys } from './wire.js';

export type { LeanWorkerNodeSnapshot } from './announce.js';

/** What a started node holds: the context it shares, its cancel subscriber, its own and the cold queue's worker. */
type Live = NodeContext & {
  readonly subscriber: Redis;
  readonly workers: readonly [own: Worker, cold: Worker];
};

/** The longest wait of each step of `close()` that needs Redis. */
const CLOSE_STEP_MS = 5_000;

export class LeanWorkerNode {
  readonly id: string;
  readonly #o: ResolvedNodeOptions;
  readonly #pool: LeanWorkerPool;
  readonly #keys: ClusterKeys;
  readonly #counters = emptyNodeCounters();
  readonly #cancels = new Map<string, AbortController>();
  readonly #running = new Set<Promise<void>>();
  readonly #stop = new AbortController();
  readonly #concurrency: number;
  /** What each job's attempt is lent, and the node's own connections; made by `start()`. */
  #live: Live | null = null;
  #timers: NodeJS.Timeout[] = [];
  #loop: Promise<void> | null = null;
  #wake: (() => void) | null = null;
  #tokens = 0;
  #announcing: Promise<void> | null = null;
  readonly #evicting = { at: Number.NEGATIVE_INFINITY };
  #closed = false;

  constructor(options: LeanWorkerNodeOptions) {
    this.#o = parseOptions(nodeSchema, options, 'cluster node options');
    if (!(this.#o.pool instanceof LeanWorkerPool)) {
      throw makeError(ErrorCode.INVALID_ARGUMENT, 'a cluster node needs a LeanWorkerPool', {
        facts: { argument: 'pool', received: typeof this.#o.pool },
      });
    }
    this.#pool = this.#o.pool;
    const host = hostname()
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .slice(0, 60);
    this.id = this.#o.id ?? `${host}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    this.#keys = clusterKeys(this.#o.prefix);
    this.#concurrency = this.#o.concurrency ?? this.#pool.options.maxWorkers;
  }

  /** Connect, announce and start taking jobs. */
  async start(): Promise<void> {
    if (this.#live) return;
    const o = this.#o;
    const bull = (name: string) =>
      new Worker(name, null, {
        connection: redisOptions(o.redis, 'bullmq'),
        prefix: this.#keys.bullPrefix,
        autorun: false,
        lockDuration: o.lockDurationMs,
        stalledInterval: o.stalledIntervalMs,
        // The cluster counts attempts itself (stalls included); BullMQ only hands a stalled job back.
        maxStalledCount: 1_000,
      }).on('error', (e) => this.#redisError('worker', e));
    const [own, cold] = [this.#keys.nodeQueue(this.id), this.#keys.coldQueue];
    const live: Live = {
      nodeId: this.id,
      redis: connect(o.redis, 'command'),
      keys: this.#keys,
      pool: this.#pool,
      options: o,
      warm: new WarmKeys(this.#pool.id),
      counters: this.#counters,
      cancels: this.#cancels,
      subscriber: connect(o.redis, 'blocking'),
      own: this.#openQueue(own),
      cold: this.#openQueue(cold),
      workers: [bull(own), bull(cold)],
    };
    this.#live = live;
    await live.subscriber.subscribe(this.#keys.cancelChannel);
    live.subscriber.on('message', (_channel: string, jobId: string) => {
      this.#cancels.get(jobId)?.abort(makeError(ErrorCode.ABORTED, 'cancelled by the cluster client'));
    });
    await this.#announce();
    await Promise.all(live.workers.map((w) => w.startStalledCheckTimer()));
    this.#every(o.heartbeatIntervalMs, () => this.#announce());
    this.#every(o.sweepIntervalMs, () => this.#sweep());
    this.#loop = this.#fetchLoop(live);
  }

  #openQueue(name: string): Queue {
    const connection = redisOptions(this.#o.redis, 'bullmq');
    return new Queue(name, { connection, prefix: this.#keys.bullPrefix }).on('error', (e) =>
      this.#redisError('queue', e),
    );
  }

  #every(ms: number, fn: () => Promise<void>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.#stop.signal.aborted) return;
      busy = true;
      fn()
        .catch((e: unknown) => this.#redisError('timer', e))
        .finally(() => {
          busy = false;
        });
    }, ms);
    this.#timers.push(timer);
  }

  #redisError(role: string, error: unknown): void {
    publishCluster('redis-error', { role, id: this.id, message: (error as Error)?.message ?? String(error) });
  }

  #capacity() {
    return capacityOf(this.#pool, this.#concurrency - this.#running.size, this.#o.coldStartReserveKib);
  }

  /** Write this node's announcement with its expiry. */
  async #announce(): Promise<void> {
    const live = this.#live;
    if (!live || this.#closed) return;
    const waiting = await live.own.getWaitingCount();
    const announcement: NodeAnnouncement = {
      id: this.id,
      queue: this.#keys.nodeQueue(this.id),
      at: Date.now(),
      concurrency: this.#concurrency,
      running: this.#running.size,
      waiting,
      ...this.#capacity(),
      warmKeys: live.warm.affinityKeys(),
      idleWarmKeys: live.warm.affinityKeys(true),
      counters: { ...this.#counters },
    };
    await live.redis
      .multi()
      .set(this.#keys.node(this.id), JSON.stringify(announcement), 'PX', this.#o.heartbeatTtlMs)
      .sadd(this.#keys.nodeIds, this.id)
      .exec();
  }

  async #sweep(): Promise<void> {
    if (this.#live) await sweep(this.#live, (name) => this.#openQueue(name));
  }

  /** Own queue first; the cold queue only on its turn (`coldTurn`). */
  async #fetchLoop(live: Live): Promise<void> {
    const signal = this.#stop.signal;
    let backoff = this.#o.pollIntervalMs;
    const [own, cold] = live.workers;
    while (!signal.aborted) {
      if (this.#running.size >= this.#concurrency) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      const token = `${this.id}:${++this.#tokens}`;
      let job: Job | undefined;
      try {
        job = await own.getNextJob(token, { block: false });
        if (
          !job &&
          !signal.aborted &&
          coldTurn(this.#capacity(), this.#evicting, this.#o.heartbeatIntervalMs)
        ) {
          job = await cold.getNextJob(token, { block: false });
        }
        backoff = this.#o.pollIntervalMs;
      } catch (error) {
        this.#redisError('fetch', error);
        backoff = Math.min(backoff * 2, 1_000);
      }
      if (!job) {
        await sleep(backoff, signal);
        continue;
      }
      this.#start(live, job, token);
    }
  }

  #start(ctx: NodeContext, job: Job, token: string): void {
    const run: Promise<void> = runAttempt(ctx, job, token)
      .catch((e: unknown) => this.#redisError('job', e))
      .finally(() => {
        this.#running.delete(run);
        // Announce the freed worker now rather than at the next heartbeat.
        this.#announcing ??= this.#announce()
          .catch((e: unknown) => this.#redisError('announce', e))
          .finally(() => {
            this.#announcing = null;
          });
        this.#wake?.();
        this.#wake = null;
      });
    this.#running.add(run);
  }

  snapshot(): LeanWorkerNodeSnapshot {
    return {
      id: this.id,
      running: this.#running.size,
      concurrency: this.#concurrency,
      warmKeys: this.#live?.warm.affinityKeys() ?? [],
      counters: { ...this.#counters },
      closed: this.#closed,
    };
  }

  /**
   * Stop taking jobs, let running ones finish (up to `timeoutMs`, then cancel them), move the
   * jobs still waiting on this node's queue to the cold queue, withdraw the announcement and
   * disconnect. The pool is the caller's and stays open.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#stop.abort();
    this.#wake?.();
    this.#wake = null;
    for (const t of this.#timers) clearInterval(t);
    await this.#loop;
    await this.#announcing;
    const running = Promise.all([...this.#running]);
    // Running jobs past the grace time are cancelled, and then waited for.
    await bounded(running, options.timeoutMs ?? 10_000).catch(async () => {
      for (const c of this.#cancels.values())
        c.abort(makeError(ErrorCode.POOL_CLOSED, 'the cluster node closed'));
      await running;
    });
    const live = this.#live;
    if (!live) return;
    const { redis, own, workers } = live;
    // Bounded: with Redis away, the sweeper of another node does this once Redis is back.
    const handOver = async () => {
      await drainToCold(own, live, 'node_closed');
      await redis.multi().del(this.#keys.node(this.id)).srem(this.#keys.nodeIds, this.id).exec();
    };
    await bounded(handOver(), CLOSE_STEP_MS).catch((error: unknown) => this.#redisError('close', error));
    const closing = [...workers.map((w) => w.close(true)), own.close(), live.cold.close()];
    await bounded(Promise.allSettled(closing), CLOSE_STEP_MS).catch(() => {});
    live.warm.close();
    await closeQuietly(live.subscriber);
    await closeQuietly(redis);
  }
}
