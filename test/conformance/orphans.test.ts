import { readdirSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { describe, expect, it, onTestFinished } from 'vitest';
import { nodeEndpoint } from '../../src/protocol/endpoint.js';
import type { SupervisorApi, SupervisorWorkerData } from '../../src/protocol/thread-contract.js';
import { defaultEntryPath } from '../../src/worker/thread-entry.js';
import { startParentProcess } from '../helpers/parent-process.js';
import { killQuietly, pidDead, waitDead } from '../helpers/proc.js';
import { configFor } from '../helpers/supervisor.js';

describe('conformance: no orphans', () => {
  it('conformance: a Node parent killed with SIGKILL mid-stream leaves no child alive a second later', async () => {
    const parent = await startParentProcess('stream');
    expect(pidDead(parent.childPid)).toBe(false);
    parent.proc.kill('SIGKILL');
    expect((await parent.exited).signal).toBe('SIGKILL');
    expect(await waitDead(parent.childPid, 1_000)).toBe(true);
  });

  it('the watchdog is a shell script, not a second Node (or a second copy of an Electron app)', async () => {
    const parent = await startParentProcess('stream');
    const watchdogs = childrenOf(parent.proc.pid as number)
      .map((pid) => ({ pid, argv: readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0') }))
      .filter(({ argv }) => argv[0] === '/bin/sh');
    expect(watchdogs).toHaveLength(1);
    const watchdog = watchdogs[0] as { pid: number; argv: string[] };
    expect(watchdog.argv[1]).toBe('-c');
    onTestFinished(() => killQuietly(watchdog.pid));
    // Its own session: a signal to the parent's group does not reach it.
    const session = (pid: number) =>
      Number(readFileSync(`/proc/${pid}/stat`, 'latin1').split(') ')[1]?.split(' ')[3]);
    expect(session(watchdog.pid)).toBe(watchdog.pid);
    parent.proc.kill('SIGKILL');
    expect(await waitDead(parent.childPid, 1_000)).toBe(true);
    expect(await waitDead(watchdog.pid, 1_000)).toBe(true);
  });

  it('conformance: a Node parent that exits without shutting its worker down leaves no child alive', async () => {
    const parent = await startParentProcess('exit');
    expect((await parent.exited).code).toBe(0);
    expect(await waitDead(parent.childPid, 1_000)).toBe(true);
  });

  it('conformance: a supervisor thread that ends without a shutdown takes its idle child with it', async () => {
    const channel = new MessageChannel();
    const requests = new MessageChannel();
    const data: SupervisorWorkerData = {
      config: configFor('test-child'),
      events: channel.port2,
      requests: requests.port2,
    };
    const worker = new Worker(pathToFileURL(defaultEntryPath()), {
      workerData: data,
      transferList: [channel.port2, requests.port2],
    });
    const api = Comlink.wrap<SupervisorApi>(nodeEndpoint(worker));
    let pid = -1;
    onTestFinished(async () => {
      if (pid > 0) killQuietly(pid);
      channel.port1.close();
      requests.port1.close();
      await worker.terminate();
    });
    const started = await api.start();
    expect(started.ok).toBe(true);
    if (!started.ok) return;
    pid = started.info.pid;
    api[Comlink.releaseProxy]();
    await worker.terminate();
    // Dead within the second. Only the ended thread's event loop could have waited for it, so the
    // exit status stays with this process (a zombie) until the process itself exits.
    expect(await waitDead(pid, 1_000)).toBe(true);
  });
});

/** Pids whose parent is `ppid` (from /proc). */
function childrenOf(ppid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        return Number(readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.split(' ')[1]) === ppid;
      } catch {
        return false;
      }
    })
    .map(Number);
}
