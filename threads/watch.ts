/**
 * Watchdogs of one request in flight: the total deadline, the idle deadline (no frame from the
 * child; suspended while the consumer holds back credit), and the in-flight hard memory limit.
 * Each fires at most once, with a typed error; the supervisor then kills and restarts.
 */
import { MAX_TIMER_MS } from '../src/protocol/constants.js';
import { ErrorCode, type WireError } from '../src/protocol/error-codes.js';
import type { WorkerLaunchSpec } from '../src/protocol/worker-spec.js';
import type { Deadline } from './driver-contract.js';
import { wireError } from './outcome.js';
import { threadPlatform } from './platform/layer.js';

export class InFlightWatch {
  readonly #idleMs: number;
  readonly #operation: string;
  readonly #fire: (error: WireError) => void;
  #total: NodeJS.Timeout | null = null;
  #idle: NodeJS.Timeout | null = null;
  #memory: NodeJS.Timeout | null = null;
  #idleSuspended = false;
  #stopped = false;

  constructor(launch: WorkerLaunchSpec, deadline: Deadline, pid: number, fire: (error: WireError) => void) {
    const { operation, timeoutMs, idleTimeoutMs } = deadline;
    this.#operation = operation;
    this.#fire = fire;
    // Options are bounded where they are validated; the clamp keeps a longer one from firing at once.
    const totalMs = Math.min(timeoutMs > 0 ? timeoutMs : launch.requestTimeoutMs, MAX_TIMER_MS);
    this.#idleMs = Math.min(idleTimeoutMs > 0 ? idleTimeoutMs : launch.requestIdleTimeoutMs, MAX_TIMER_MS);
    this.#total = setTimeout(() => this.#trip('total', totalMs), totalMs);
    this.#armIdle();
    if (launch.hardMemoryLimitKib > 0) {
      const limit = launch.hardMemoryLimitKib;
      let sampling = false;
      this.#memory = setInterval(async () => {
        // The platform's reading (`/proc`, or pidusage, which may take longer than the interval).
        if (sampling) return;
        sampling = true;
        const sample = await threadPlatform()
          .sampleTree(pid, false)
          .finally(() => {
            sampling = false;
          });
        if (!sample.available || sample.privateKib < limit) return;
        const facts = { operation, currentKib: sample.privateKib, limitKib: limit, measure: 'private' };
        const message = 'worker passed its in-flight memory limit';
        this.#stopAndFire(wireError(ErrorCode.MEMORY_LIMIT, message, { ...facts, rssKib: sample.rssKib }));
      }, launch.memorySampleIntervalMs);
    }
  }

  /** A frame arrived: the child is alive. */
  frameSeen(): void {
    if (!this.#idleSuspended) this.#armIdle();
  }

  suspendIdle(): void {
    this.#idleSuspended = true;
    if (this.#idle) clearTimeout(this.#idle);
    this.#idle = null;
  }

  resumeIdle(): void {
    this.#idleSuspended = false;
    this.#armIdle();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#total) clearTimeout(this.#total);
    if (this.#idle) clearTimeout(this.#idle);
    if (this.#memory) clearInterval(this.#memory);
    this.#total = this.#idle = this.#memory = null;
  }

  #armIdle(): void {
    if (this.#stopped || this.#idleMs <= 0) return;
    if (this.#idle) this.#idle.refresh();
    else this.#idle = setTimeout(() => this.#trip('idle', this.#idleMs), this.#idleMs);
  }

  #trip(kind: 'total' | 'idle', timeoutMs: number): void {
    const operation = this.#operation;
    const message = `${operation} passed its ${kind} deadline of ${timeoutMs} ms`;
    this.#stopAndFire(wireError(ErrorCode.TIMEOUT, message, { operation, kind, timeoutMs }));
  }

  #stopAndFire(error: WireError): void {
    if (this.#stopped) return;
    this.stop();
    this.#fire(error);
  }
}
