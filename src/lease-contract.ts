/**
 * The contract between a lease and what grants it (the pool): the worker's generation, the
 * checks before a command, running and cancelling a request, releasing, cycling, counters.
 */
import type { MessagePort } from 'node:worker_threads';
import type { LeanWorkerCommandOptions } from './command-options.js';
import type { LeanWorkerError } from './errors.js';
import type { LeaseSnapshot } from './pool/counters.js';
import type { Request } from './protocol/messages.js';
import type { RequestOutcome, ValidationSchemas } from './protocol/port-messages.js';
import type { ReplJob } from './protocol/repl-work.js';

/** Any request a lease sends: a protocol v10 request or a repl job. */
export type LeaseRequest = Request | ReplJob;

/** What the pool provides to a lease, bound to the lease's worker. */
export interface LeaseHost {
  /** Pool policy before a command: returns an error if the worker was cycled (lease invalid). */
  beforeCommand(generation: number): LeanWorkerError | null;
  /** An error when `request` must not be sent (an export the manifest does not declare). */
  checkRequest?(request: LeaseRequest): LeanWorkerError | null;
  run(
    request: LeaseRequest,
    options: LeanWorkerCommandOptions & { timeoutMs: number; schemas?: ValidationSchemas | undefined },
    stream: boolean,
  ): { id: number; port: MessagePort | null; outcome: Promise<RequestOutcome> };
  cancel(id: number, reason?: string): void;
  /** A stream the supervisor counted a success failed where it was consumed (a row, the summary). */
  consumerFailed?(): void;
  release(): void;
  cycle(): Promise<void>;
  generation(): number;
  snapshot(): LeaseSnapshot;
}
