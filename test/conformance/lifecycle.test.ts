import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import { pidGone, waitGone } from '../helpers/proc.js';
import { drain, failed, helperChild, sleep, startSupervisor, succeeded } from '../helpers/supervisor.js';

describe('conformance: shutdown and reaping', () => {
  it('conformance: graceful shutdown reaps the child', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    succeeded(await sup.call({ op: 'health' }));
    const report = await sup.handle.shutdown('graceful');
    expect(report.outcome).toBe('graceful');
    expect(pidGone(pid)).toBe(true);
    // Events travel on their own port, so the reap event may land just after the shutdown reply.
    for (let i = 0; i < 50 && !sup.eventsOf('reap').some((e) => e.pid === pid); i++) await sleep(10);
    expect(sup.eventsOf('reap').map((e) => e.pid)).toContain(pid);
    const again = await sup.handle.shutdown('graceful');
    expect(again.outcome).toBe('already_exited');
  });

  it('conformance: an idle worker that is shut down without ever serving a request reaps its child', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    await sup.handle.shutdown('graceful');
    expect(pidGone(pid)).toBe(true);
  });

  it('conformance: a hanging terminate escalates to a kill and the child is reaped', async () => {
    const sup = await startSupervisor('misbehaving', ['ignore-terminate'], {
      launch: { shutdownTimeoutMs: 300 },
    });
    const pid = sup.pid;
    const report = await sup.handle.shutdown('graceful');
    expect(report.outcome).toBe('graceful_timed_out_killed');
    expect(report.exit?.signal).toBe('SIGKILL');
    expect(report.killWaitMs).not.toBeNull();
    expect(pidGone(pid)).toBe(true);
  });

  it('conformance: a timeout kills, reaps and replaces the child with the next generation', async () => {
    const sup = await startSupervisor('test-child');
    const pid = sup.pid;
    const outcome = failed(await sup.stream('hang', {}, { timeoutMs: 300 }).control);
    expect(outcome.error.code).toBe(ErrorCode.TIMEOUT);
    expect(outcome.restarted).toBe(true);
    expect(await waitGone(pid)).toBe(true);
    const kill = sup.eventsOf('kill')[0];
    expect(kill).toMatchObject({ generation: 0, reason: 'timeout' });
    await sup.untilGeneration(1);
    expect(sup.eventsOf('generation_started').at(-1)?.reason).toBe('timeout');
    await sup.handle.whenReady();
    succeeded(await sup.call({ op: 'health' }));
  });
});

describe('conformance: restart limit', () => {
  it('conformance: exhausting the restart limit is a typed outcome and new work fails fast', async () => {
    const sup = await startSupervisor('test-child', [], { restart: { maxRestarts: 1, windowMs: 60_000 } });
    const first = failed(await sup.stream('hang', {}, { timeoutMs: 300 }).control);
    expect(first.error.code).toBe(ErrorCode.TIMEOUT);
    expect(first.restarted).toBe(true);
    await sup.untilGeneration(1);
    const pid = sup.pid;
    const second = failed(await sup.stream('hang', {}, { timeoutMs: 300 }).control);
    expect(second.error.code).toBe(ErrorCode.TIMEOUT);
    expect(await waitGone(pid)).toBe(true);
    expect(await sup.untilEvent('restart_limit')).toMatchObject({ restarts: 1, windowMs: 60_000 });
    const refused = failed(await sup.call({ op: 'health' }));
    expect(refused.error.code).toBe(ErrorCode.RESTART_LIMIT);
    expect(refused.error.facts).toMatchObject({ restarts: 1, windowMs: 60_000, lastReason: 'timeout' });
    expect(refused.workEnteredChild).toBe(false);
    await expect(sup.handle.whenReady()).rejects.toMatchObject({ code: ErrorCode.RESTART_LIMIT });
  });

  it('conformance: the request that exhausts the restart limit does not claim a restart', async () => {
    const sup = await startSupervisor('test-child', [], { restart: { maxRestarts: 0, windowMs: 60_000 } });
    const outcome = failed(await sup.stream('hang', {}, { timeoutMs: 300 }).control);
    expect(outcome.error.code).toBe(ErrorCode.TIMEOUT);
    await sup.untilEvent('restart_limit');
    expect(sup.eventsOf('generation_started')).toHaveLength(1);
    expect(outcome.restarted).toBe(false);
  });
});

describe('conformance: stale generations', () => {
  it('conformance: output from a child with no request in flight is a protocol failure and never reaches the next request', async () => {
    const sup = await startSupervisor(helperChild('raw-child.mjs'), ['stale-terminal']);
    const first = sup.stream('rows', {});
    expect((await drain(first.stream)).rows).toHaveLength(1);
    const violation = await sup.untilEvent('protocol_violation');
    expect(violation.generation).toBe(0);
    expect(violation.error.code).toBe(ErrorCode.PROTOCOL);
    await sup.untilGeneration(1);
    const next = sup.stream('rows', {});
    const { rows, error } = await drain(next.stream);
    expect(error).toBeNull();
    expect(rows.map((r) => r.payload)).toEqual([{ i: 0 }]);
  });

  it('conformance: a request bound to an old generation is refused with LEASE_INVALIDATED before reaching the child', async () => {
    const sup = await startSupervisor('test-child');
    failed(await sup.stream('crash_after', { rows: 0 }).control);
    await sup.untilGeneration(1);
    const stale = failed(await sup.call({ op: 'health' }, { generation: 0 }));
    expect(stale.error.code).toBe(ErrorCode.LEASE_INVALIDATED);
    expect(stale.workEnteredChild).toBe(false);
    expect(stale.generation).toBe(1);
  });
});
