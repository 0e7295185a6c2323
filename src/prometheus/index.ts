/**
 * `lean-worker-pool/prometheus`: Prometheus metrics for pools and cluster nodes on `prom-client`
 * (an optional peer dependency, loaded by this entry only). Values are read when the registry is
 * scraped (`collect()` callbacks over `pool.snapshot()` and `node.snapshot()`), plus request
 * outcomes counted from the pools' `terminal-outcome` events; the exporter runs no timer.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import { Counter, register as defaultRegistry, Gauge, type Registry } from 'prom-client';
import type { LeanWorkerNode } from '../cluster/node.js';
import { channelName, type PoolEventPayloads } from '../pool/events.js';
import type { LeanWorkerPool } from '../pool/pool.js';
import type { LeanWorkerPoolSnapshot } from '../pool/snapshot.js';

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
} as const satisfies Record<string, keyof LeanWorkerPoolSnapshot>;

const KIB = 1024;

type Setter = (labels: Record<string, string>, value: number) => void;

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
  #closed = false;

  constructor(options: LeanWorkerMetricsOptions = {}) {
    const registers = [options.registry ?? defaultRegistry];
    const p = options.prefix ?? 'lean_worker_';
    const pools = () => [...this.#pools.values()];
    const nodes = () => [...this.#nodes];
    const gauge = (name: string, help: string, labelNames: string[], fill: (set: Setter) => void) =>
      new Gauge({
        name: p + name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill((labels, value) => this.set(labels, value));
        },
      });
    const counter = (name: string, help: string, labelNames: string[], fill: (set: Setter) => void) =>
      new Counter({
        name: p + name,
        help,
        labelNames,
        registers,
        collect() {
          this.reset();
          fill((labels, value) => this.inc(labels, value));
        },
      });
    const perPool =
      (fill: (s: LeanWorkerPoolSnapshot, pool: string, set: Setter) => void) => (set: Setter) => {
        for (const { pool, name } of pools()) fill(pool.snapshot(), name, set);
      };

    gauge(
      'pool_workers',
      'Workers by state.',
      ['pool', 'state'],
      perPool((s, pool, set) => {
        set({ pool, state: 'active' }, s.activeWorkers);
        set({ pool, state: 'idle' }, s.idleWorkers);
        set({ pool, state: 'starting' }, s.startingWorkers);
        set({ pool, state: 'exiting' }, s.exitingWorkers);
      }),
    );
    gauge(
      'pool_max_workers',
      'The pool size bound.',
      ['pool'],
      perPool((s, pool, set) => set({ pool }, s.maxWorkers)),
    );
    gauge(
      'pool_queue_depth',
      'Lease requests waiting for a worker.',
      ['pool'],
      perPool((s, pool, set) => set({ pool }, s.queueDepth)),
    );
    gauge(
      'pool_queue_wait_seconds',
      'Recent queue waits by quantile.',
      ['pool', 'quantile'],
      perPool((s, pool, set) => {
        if (s.queueWaitP50Ms !== null) set({ pool, quantile: '0.5' }, s.queueWaitP50Ms / 1000);
        if (s.queueWaitP99Ms !== null) set({ pool, quantile: '0.99' }, s.queueWaitP99Ms / 1000);
      }),
    );
    counter(
      'pool_queue_rejections_total',
      'Lease requests refused or given up while queued, by reason.',
      ['pool', 'reason'],
      perPool((s, pool, set) => {
        set({ pool, reason: 'queue_timeout' }, s.queueTimeouts);
        set({ pool, reason: 'queue_full' }, s.queueFullRejections);
        set({ pool, reason: 'aborted' }, s.queueAborts);
        set({ pool, reason: 'memory_budget' }, s.memoryBudgetRejections);
      }),
    );
    counter(
      'pool_cold_opens_total',
      'Cold opens by outcome.',
      ['pool', 'outcome'],
      perPool((s, pool, set) => {
        set({ pool, outcome: 'admitted' }, s.coldOpenAdmitted);
        set({ pool, outcome: 'refused' }, s.coldOpenRefusals);
      }),
    );
    counter(
      'pool_key_lookups_total',
      'Lease requests that found a worker of their key (hit) or not (miss).',
      ['pool', 'result'],
      perPool((s, pool, set) => {
        set({ pool, result: 'hit' }, s.keyHits);
        set({ pool, result: 'miss' }, s.keyMisses);
      }),
    );
    counter(
      'pool_evictions_total',
      'Idle workers shut down to make room for another key.',
      ['pool'],
      perPool((s, pool, set) => set({ pool }, s.evictions)),
    );
    counter(
      'pool_restarts_total',
      'Worker restarts by reason.',
      ['pool', 'reason'],
      perPool((s, pool, set) => {
        for (const [reason, field] of Object.entries(RESTARTS)) set({ pool, reason }, s[field]);
      }),
    );
    counter(
      'pool_rows_total',
      'Data rows delivered to consumers.',
      ['pool'],
      perPool((s, pool, set) => set({ pool }, s.dataRowsDelivered)),
    );
    counter(
      'pool_row_payload_bytes_total',
      'Payload bytes of the rows delivered.',
      ['pool'],
      perPool((s, pool, set) => set({ pool }, s.dataRowPayloadBytes)),
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
    gauge(
      'pool_memory_bytes',
      'Memory of the pool by measure.',
      ['pool', 'measure'],
      perPool((s, pool, set) => {
        const m = s.memory;
        set({ pool, measure: 'private' }, m.privateSumKib * KIB);
        set({ pool, measure: 'rss' }, m.rssSumKib * KIB);
        if (m.pssSumKib !== null) set({ pool, measure: 'pss' }, m.pssSumKib * KIB);
        set({ pool, measure: 'shared_file' }, m.sharedFileKib * KIB);
        set({ pool, measure: 'decision' }, m.decisionTotalKib * KIB);
        if (m.budgetKib !== null) set({ pool, measure: 'budget' }, m.budgetKib * KIB);
        set({ pool, measure: 'parent_rss' }, m.parentRssKib * KIB);
      }),
    );

    gauge('node_running_jobs', 'Jobs a cluster node runs now.', ['node'], (set) => {
      for (const n of nodes()) set({ node: n.id }, n.snapshot().running);
    });
    gauge('node_concurrency', 'Jobs a cluster node runs at most.', ['node'], (set) => {
      for (const n of nodes()) set({ node: n.id }, n.snapshot().concurrency);
    });
    gauge('node_warm_keys', 'Affinity keys a cluster node holds warm.', ['node'], (set) => {
      for (const n of nodes()) set({ node: n.id }, n.snapshot().warmKeys.length);
    });
    counter(
      'node_jobs_total',
      'Cluster node job events (attempts, warm and cold starts, outcomes, moves).',
      ['node', 'event'],
      (set) => {
        for (const n of nodes()) {
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
    if (this.#closed) return;
    this.#closed = true;
    diagnosticsChannel.unsubscribe(channelName('terminal-outcome'), this.#onOutcome);
  }
}
