/**
 * The client's router: it reads the nodes' announcements (reused for `routeCacheMs`) and sends a
 * job to a live node that holds its affinity key warm, while that node's queue is shorter than
 * `maxWarmQueue` plus its free leases: one with an idle worker of the key first, then one with an
 * empty slot (a second worker of the key there evicts no other key), shortest queue first. A
 * warm node with neither would evict another key's warm worker to run the job, so the job goes
 * to the cold queue, where a node with an empty slot takes it first. Jobs it routed since its
 * last reading count as waiting on their node, so a burst does not all go to one node.
 */
import type { Redis } from 'ioredis';
import { announcementSchema, type NodeAnnouncement } from './announce.js';
import type { ResolvedClusterOptions } from './options.js';
import type { ClusterKeys } from './wire.js';

type RouteOptions = Pick<ResolvedClusterOptions, 'routeCacheMs' | 'maxWarmQueue' | 'routing'>;

export class Router {
  readonly #redis: Redis;
  readonly #keys: ClusterKeys;
  readonly #o: RouteOptions;
  #nodes: NodeAnnouncement[] = [];
  #readAt = Number.NEGATIVE_INFINITY;
  #reading: Promise<void> | null = null;
  readonly #routedSince = new Map<string, number>();
  routedWarm = 0;
  routedCold = 0;

  constructor(redis: Redis, keys: ClusterKeys, options: RouteOptions) {
    this.#redis = redis;
    this.#keys = keys;
    this.#o = options;
  }

  /** Live nodes' announcements (expired ones are gone from Redis, malformed ones skipped). */
  async nodes(): Promise<NodeAnnouncement[]> {
    const ids = await this.#redis.smembers(this.#keys.nodeIds);
    if (ids.length === 0) return [];
    const values = await this.#redis.mget(...ids.map((id) => this.#keys.node(id)));
    return values.flatMap((v) => {
      try {
        const parsed = announcementSchema.safeParse(JSON.parse(v ?? 'null'));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return []; // not JSON
      }
    });
  }

  async #refresh(): Promise<void> {
    if (performance.now() - this.#readAt < this.#o.routeCacheMs) return;
    this.#reading ??= this.nodes()
      .then((nodes) => {
        this.#nodes = nodes;
        this.#readAt = performance.now();
        this.#routedSince.clear();
      })
      .finally(() => {
        this.#reading = null;
      });
    await this.#reading;
  }

  async route(affinityKey: string): Promise<{ queue: string; node: string | null }> {
    if (this.#o.routing === 'affinity') {
      await this.#refresh();
      let best: NodeAnnouncement | null = null;
      let bestScore = Number.POSITIVE_INFINITY;
      for (const node of this.#nodes) {
        if (!node.warmKeys.includes(affinityKey)) continue;
        const routed = this.#routedSince.get(node.id) ?? 0;
        const queued = node.waiting + routed;
        if (queued >= this.#o.maxWarmQueue + node.freeLeases) continue;
        const idle = node.idleWarmKeys.includes(affinityKey);
        if (!idle && node.emptySlots <= routed) continue;
        const score = (idle ? 0 : 1_000_000) + queued - node.freeLeases;
        if (score < bestScore) {
          best = node;
          bestScore = score;
        }
      }
      if (best) {
        this.#routedSince.set(best.id, (this.#routedSince.get(best.id) ?? 0) + 1);
        this.routedWarm += 1;
        return { queue: best.queue, node: best.id };
      }
    }
    this.routedCold += 1;
    return { queue: this.#keys.coldQueue, node: null };
  }
}
