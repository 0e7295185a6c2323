/**
 * The fault matrix: what each child fault must turn into at each phase where it can happen.
 * Faults are performed by `fixtures/children/fault-child.ts`; the expectations are the typed
 * outcomes a pool user sees.
 */
import { ErrorCode } from '../../src/errors.js';
import type { WorkerCounters } from '../../src/pool/counters.js';

export type Phase = 'handshake' | 'idle' | 'inflight' | 'midstream';

export type Expectation =
  /** The worker never starts: `acquireLease` rejects with `code`; the next acquire works. */
  | { readonly kind: 'start-fails'; readonly code: ErrorCode }
  /** Nothing breaks: the same generation keeps serving. */
  | { readonly kind: 'harmless' }
  /** Idle fault: the pool replaces the worker and the lease held on it is invalidated. */
  | { readonly kind: 'idle-restart'; readonly counter: keyof WorkerCounters }
  /** Idle fault the child cannot show until asked: the next request fails with `code`. */
  | { readonly kind: 'next-request-fails'; readonly code: ErrorCode; readonly counter: keyof WorkerCounters }
  /** The request in flight fails with `code`; rows already delivered stay tentative. */
  | { readonly kind: 'request-fails'; readonly code: ErrorCode; readonly counter: keyof WorkerCounters }
  /** The request succeeds; the frame after its terminal response restarts the worker. */
  | { readonly kind: 'succeeds-then-restart' };

export interface FaultCase {
  readonly fault: string;
  readonly phase: Phase;
  readonly expect: Expectation;
  /** The fault takes seconds by design (50 MiB of stderr): run it under long deadlines. */
  readonly slow: boolean;
  /**
   * The fault shows only by the child going quiet (stdout closed while it lives on): no idle
   * deadline, so the closed pipe, not the deadline, is what ends the request.
   */
  readonly quiet: boolean;
}

const startFails = (code: ErrorCode): Expectation => ({ kind: 'start-fails', code });
const harmless: Expectation = { kind: 'harmless' };
const idleRestart = (counter: keyof WorkerCounters): Expectation => ({ kind: 'idle-restart', counter });
const fails = (code: ErrorCode, counter: keyof WorkerCounters): Expectation => ({
  kind: 'request-fails',
  code,
  counter,
});

/** Per fault: the expectation at each phase where the fault applies. */
const MATRIX: Record<string, Partial<Record<Phase, Expectation>>> = {
  'exit-0': {
    handshake: startFails(ErrorCode.CHILD_EXIT),
    idle: idleRestart('crashRestarts'),
    inflight: fails(ErrorCode.CHILD_EXIT, 'crashRestarts'),
    midstream: fails(ErrorCode.CHILD_EXIT, 'crashRestarts'),
  },
  'exit-3': {
    handshake: startFails(ErrorCode.CHILD_CRASH),
    idle: idleRestart('crashRestarts'),
    inflight: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
    midstream: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
  },
  sigkill: {
    handshake: startFails(ErrorCode.CHILD_CRASH),
    idle: idleRestart('crashRestarts'),
    inflight: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
    midstream: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
  },
  abort: {
    handshake: startFails(ErrorCode.CHILD_CRASH),
    idle: idleRestart('crashRestarts'),
    inflight: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
    midstream: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
  },
  segv: {
    handshake: startFails(ErrorCode.CHILD_CRASH),
    idle: idleRestart('crashRestarts'),
    inflight: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
    midstream: fails(ErrorCode.CHILD_CRASH, 'crashRestarts'),
  },
  hang: {
    handshake: startFails(ErrorCode.TIMEOUT),
    idle: { kind: 'next-request-fails', code: ErrorCode.TIMEOUT, counter: 'timeoutRestarts' },
    inflight: fails(ErrorCode.TIMEOUT, 'timeoutRestarts'),
    midstream: fails(ErrorCode.TIMEOUT, 'timeoutRestarts'),
  },
  'hang-progress': {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.TIMEOUT, 'timeoutRestarts'),
    midstream: fails(ErrorCode.TIMEOUT, 'timeoutRestarts'),
  },
  garbage: {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
    midstream: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
  },
  truncated: {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
    midstream: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
  },
  oversize: {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.FRAME_TOO_LARGE, 'protocolRestarts'),
    midstream: fails(ErrorCode.FRAME_TOO_LARGE, 'protocolRestarts'),
  },
  'wrong-version': {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
    midstream: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
  },
  'wrong-protocol': { handshake: startFails(ErrorCode.HANDSHAKE) },
  'unknown-type': {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
    midstream: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
  },
  'double-terminal': {
    inflight: { kind: 'succeeds-then-restart' },
    midstream: { kind: 'succeeds-then-restart' },
  },
  'unsolicited-response': {
    handshake: startFails(ErrorCode.HANDSHAKE),
    idle: idleRestart('protocolRestarts'),
    inflight: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
    midstream: fails(ErrorCode.PROTOCOL, 'protocolRestarts'),
  },
  'row-after-terminal': {
    idle: idleRestart('protocolRestarts'),
    inflight: { kind: 'succeeds-then-restart' },
    midstream: { kind: 'succeeds-then-restart' },
  },
  'stderr-flood': { handshake: harmless, idle: harmless, inflight: harmless, midstream: harmless },
  'ignore-term': {
    handshake: startFails(ErrorCode.TIMEOUT),
    idle: harmless,
    inflight: fails(ErrorCode.TIMEOUT, 'timeoutRestarts'),
    midstream: fails(ErrorCode.TIMEOUT, 'timeoutRestarts'),
  },
  grandchild: {
    handshake: startFails(ErrorCode.CHILD_EXIT),
    idle: idleRestart('crashRestarts'),
    inflight: fails(ErrorCode.CHILD_EXIT, 'crashRestarts'),
    midstream: fails(ErrorCode.CHILD_EXIT, 'crashRestarts'),
  },
};

/** Every (fault, phase) pair that applies, in table order. */
export const FAULT_CASES: readonly FaultCase[] = Object.entries(MATRIX).flatMap(([fault, phases]) =>
  (Object.entries(phases) as [Phase, Expectation][]).map(([phase, expect]) => ({
    fault,
    phase,
    expect,
    slow: fault === 'stderr-flood',
    quiet: fault === 'truncated',
  })),
);
