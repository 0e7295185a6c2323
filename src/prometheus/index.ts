/**
 * `lean-worker-pool/prometheus`: Prometheus metrics for pools and cluster nodes on `prom-client`
 * (an optional peer dependency, loaded by this entry only). Values are read when the registry is
 * scraped (`collect()` callbacks over `pool.snapshot()` and `node.snapshot()`), plus request
 * outcomes counted from the pools' `terminal-outcome` events; the exporter runs no timer.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, register as defaultRegistry, Gauge, type Registry } from 'prom-client';
import type { LeanWorkerNode, LeanWorkerNodeSnapshot } from '../cluster/node.js';
import { channelName, type PoolEventPayloads } from '../pool/events.js';
import type { LeanWorkerPool } from '../pool/pool.js';
import type { LeanWorkerPoolSnapshot as Snapshot } from '../pool/snapshot.js';

export interface LeanWorkerMetricsOptions {
  /** Where the metrics are registered; default: prom-client's default registry. */
  readonly registry?: Registry;
  /** Metric name prefix; default `lean_worker_`. */
  readonly prefix?: string;
}

/** Restart counters of the pool snapshot, by the `reason` label they get. */
const RESTARTS = {
  max_requests: 'maxRequestRestarts',
  max_imports: 'maxImportRestarts',
  memory: 'memoryRestarts',
  idle: 'idleRestarts',
  cancelled: 'cancelledRestarts',
  timeout: 'timeoutRestarts',
  crash: 'crashRestarts',
  protocol: 'protocolRestarts',
  explicit: 'explicitCycles',
  policy: 'policyRestarts',
} as const satisfies Record<string, keyof Snapshot>;

/** A number read off a pool's snapshot: a numeric field's name, or a reader (null: no sample). */
type Reading = { [K in keyof Snapshot]: Snapshot[K] extends number ? K : never }[keyof Snapshot];
type Read = Reading | ((s: Snapshot) => number | null);
type Setter = (labels: Record<string, string>, value: number) => void;

const bytes = (kib: number | null) => (kib === null ? null : kib * 1024);
const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

export class LeanWorkerMetrics {
  readonly #pools = new Map<string, { pool: LeanWorkerPool; name: string }>();
  readonly #nodes = new Set<LeanWorkerNode>();
  /** Request outcomes by pool name and outcome (`ok` or the error code), from events. */
  readonly #outcomes = new Map<string, number>();
  readonly #onOutcome = (message: unknown) => {
    const m = message as PoolEventPayloads['terminal-outcome'];
    const entry = this.#pools.get(m.poolId);
    if (!entry) return;
    const key = `${entry.name}\0${m.ok ? 'ok' : (m.code ?? 'error')}`;
    this.#outcomes.set(key, (this.#outcomes.get(key) ?? 0) + 1);
  };

  constructor(options: LeanWorkerMetricsOptions = {}) {
    const registers = [options.registry ?? defaultRegistry];
    const p = options.prefix ?? 'lean_worker_';
    type Fill = (set: Setter) => void;
    /** A metric whose series are all set afresh on each scrape. */
    const metric =
      (Kind: typeof Gauge | typeof Counter) =>
      (name: string, help: string, labelNames: string[], fill: Fill) =>
        new Kind({
          name: p + name,
          help,
          labelNames,
          registers,
          collect() {
            this.reset();
            fill((labels, value) =>
              this instanceof Gauge ? this.set(labels, value) : this.inc(labels, value),
            );
          },
        });
    const gauge = metric(Gauge);
    const counter = metric(Counter);
    /** A metric of every pool: one series, or one per value of `label`. */
    const perPool = (
      make: typeof gauge,
      name: string,
      help: string,
      series: Read | readonly [label: string, Readonly<Record<string, Read>>],
    ) => {
      const [label, reads]: readonly [string | null, Readonly<Record<string, Read>>] =
        typeof series === 'object' ? series : [null, { '': series }];
      make(name, help, label === null ? ['pool'] : ['pool', label], (set) => {
        for (const { pool, name: poolName } of this.#pools.values()) {
          const s = pool.snapshot();
          for (const [value, read] of Object.entries(reads)) {
            const n = typeof read === 'function' ? read(s) : s[read];
            if (n !== null) set(label === null ? { pool: poolName } : { pool: poolName, [label]: value }, n);
          }
        }
      });
    };
    /** A metric of every cluster node, read off its snapshot. */
    const perNode = (name: string, help: string, read: (s: LeanWorkerNodeSnapshot) => number) =>
      gauge(name, help, ['node'], (set) => {
        for (const n of this.#nodes) set({ node: n.id }, read(n.snapshot()));
      });

    perPool(gauge, 'pool_workers', 'Workers by state.', [
      'state',
      {
        active: 'activeWorkers',
        idle: 'idleWorkers',
        starting: 'startingWorkers',
        exiting: 'exitingWorkers',
      },
    ]);
    perPool(gauge, 'pool_max_workers', 'The pool size bound.', 'maxWorkers');
    perPool(gauge, 'pool_queue_depth', 'Lease requests waiting for a worker.', 'queueDepth');
    perPool(gauge, 'pool_queue_wait_seconds', 'Recent queue waits by quantile.', [
      'quantile',
      { '0.5': (s) => seconds(s.queueWaitP50Ms), '0.99': (s) => seconds(s.queueWaitP99Ms) },
    ]);
    perPool(
      counter,
      'pool_queue_rejections_total',
      'Lease requests refused or given up while queued, by reason.',
      [
        'reason',
        {
          queue_timeout: 'queueTimeouts',
          queue_full: 'queueFullRejections',
          aborted: 'queueAborts',
          memory_budget: 'memoryBudgetRejections',
        },
      ],
    );
    perPool(counter, 'pool_cold_opens_total', 'Cold opens by outcome.', [
      'outcome',
      { admitted: 'coldOpenAdmitted', refused: 'coldOpenRefusals' },
    ]);
    perPool(
      counter,
      'pool_key_lookups_total',
      'Lease requests that found a worker of their key (hit) or not (miss).',
      ['result', { hit: 'keyHits', miss: 'keyMisses' }],
    );
    perPool(
      counter,
      'pool_evictions_total',
      'Idle workers shut down to make room for another key.',
      'evictions',
    );
    perPool(counter, 'pool_restarts_total', 'Worker restarts by reason.', ['reason', RESTARTS]);
    perPool(counter, 'pool_rows_total', 'Data rows delivered to consumers.', 'dataRowsDelivered');
    perPool(
      counter,
      'pool_row_payload_bytes_total',
      'Payload bytes of the rows delivered.',
      'dataRowPayloadBytes',
    );
    counter(
      'pool_requests_total',
      'Requests ended, by outcome (ok or the error code).',
      ['pool', 'outcome'],
      (set) => {
        for (const [key, n] of this.#outcomes) {
          const [pool = '', outcome = ''] = key.split('\0');
          set({ pool, outcome }, n);
        }
      },
    );
    perPool(gauge, 'pool_memory_bytes', 'Memory of the pool by measure.', [
      'measure',
      {
        private: (s) => bytes(s.memory.privateSumKib),
        rss: (s) => bytes(s.memory.rssSumKib),
        pss: (s) => bytes(s.memory.pssSumKib),
        shared_file: (s) => bytes(s.memory.sharedFileKib),
        decision: (s) => bytes(s.memory.decisionTotalKib),
        budget: (s) => bytes(s.memory.budgetKib),
        parent_rss: (s) => bytes(s.memory.parentRssKib),
      },
    ]);

    perNode('node_running_jobs', 'Jobs a cluster node runs now.', (s) => s.running);
    perNode('node_concurrency', 'Jobs a cluster node runs at most.', (s) => s.concurrency);
    perNode('node_warm_keys', 'Affinity keys a cluster node holds warm.', (s) => s.warmKeys.length);
    counter(
      'node_jobs_total',
      'Cluster node job events (attempts, warm and cold starts, outcomes, moves).',
      ['node', 'event'],
      (set) => {
        for (const n of this.#nodes) {
          for (const [event, value] of Object.entries(n.snapshot().counters))
            set({ node: n.id, event }, value);
        }
      },
    );
    diagnosticsChannel.subscribe(channelName('terminal-outcome'), this.#onOutcome);
  }

  /** Export `pool`'s metrics under the label `pool` (default: its id). */
  addPool(pool: LeanWorkerPool, name: string = pool.id): this {
    this.#pools.set(pool.id, { pool, name });
    return this;
  }

  removePool(pool: LeanWorkerPool): this {
    this.#pools.delete(pool.id);
    return this;
  }

  /** Export a cluster node's metrics under the label `node` (its id); add its pool with `addPool`. */
  addNode(node: LeanWorkerNode): this {
    this.#nodes.add(node);
    return this;
  }

  removeNode(node: LeanWorkerNode): this {
    this.#nodes.delete(node);
    return this;
  }

  /** Stop counting events. The metrics stay registered (remove them with `registry.clear()`). */
  close(): void {
    diagnosticsChannel.unsubscribe(channelName('terminal-outcome'), this.#onOutcome);
  }
}
