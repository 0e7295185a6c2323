/**
 * The process groups of one supervisor thread's children, guarded against this process dying
 * (`orphan-guard.ts`) from the moment a child exists until it is reaped: a child is announced at
 * spawn (one that never handshakes included) or by the generation it started, whichever message
 * comes first; a grandchild it forks before its handshake dies with the parent too.
 */
import type { SupervisorEvent } from '../protocol/port-messages.js';
import { forgetProcessGroup, guardProcessGroup } from './orphan-guard.js';

export class GroupGuards {
  readonly #pids = new Set<number>();

  /** Guard the group of `pid` (once). */
  guard(pid: number): void {
    if (this.#pids.has(pid)) return;
    this.#pids.add(pid);
    guardProcessGroup(pid);
  }

  /**
   * Follow the thread's events about children: `spawned` guards, `start_reaped` (a child that
   * never started) and `reap` release. True for the events that concern only the guards.
   */
  follow(event: SupervisorEvent): boolean {
    if (event.type === 'spawned') {
      this.guard(event.pid);
      return true;
    }
    if (event.type === 'start_reaped') {
      if (this.#pids.delete(event.pid)) forgetProcessGroup(event.pid);
      return true;
    }
    if (event.type === 'reap') {
      forgetProcessGroup(event.pid);
      this.#pids.delete(event.pid);
    }
    return false;
  }

  /** The thread has ended: its children are reaped or killed with it. */
  releaseAll(): void {
    for (const pid of this.#pids) forgetProcessGroup(pid);
    this.#pids.clear();
  }
}
