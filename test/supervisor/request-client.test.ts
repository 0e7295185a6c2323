import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import {
  emptyRequestStats,
  type RequestOutcome,
  type SupervisorRequest,
} from '../../src/protocol/port-messages.js';
import type { RequestCall } from '../../src/protocol/thread-contract.js';
import { RequestClient } from '../../src/worker/request-client.js';

function spec(id: number): SupervisorRequest {
  return {
    id,
    generation: 3,
    request: { op: 'json_command', export: 'echo', request_json: '{}' },
    timeoutMs: 0,
    idleTimeoutMs: 0,
  };
}

const success = (generation: number): RequestOutcome => ({
  ok: true,
  generation,
  response: { status: 'json_command' },
  value: null,
  stats: emptyRequestStats(),
});

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** A client on one end of a channel; the test plays the supervisor on the other. */
function pair(onOutcome: (o: RequestOutcome) => void = () => {}) {
  const channel = new MessageChannel();
  channels.push(channel);
  return { client: new RequestClient(channel.port1, onOutcome), supervisor: channel.port2 };
}

describe('request client', () => {
  it('matches replies to calls by number, whatever their order, and shows each outcome first', async () => {
    const seen: number[] = [];
    const { client, supervisor } = pair((o) => seen.push(o.generation));
    const calls: RequestCall[] = [];
    supervisor.on('message', (call: RequestCall) => calls.push(call));
    const first = client.send(spec(1), null);
    const second = client.send(spec(2), null);
    while (calls.length < 2) await once(supervisor, 'message');
    const [a, b] = calls as [RequestCall, RequestCall];
    expect(a.spec.id).toBe(1);
    expect(b.spec.id).toBe(2);
    supervisor.postMessage({ call: 999, outcome: success(9) }); // unknown: ignored
    supervisor.postMessage({ call: b.call, outcome: success(20) });
    supervisor.postMessage({ call: a.call, error: 'could not resolve a reference' });
    await expect(second).resolves.toMatchObject({ ok: true, generation: 20 });
    // A call the supervisor could not run settles with a typed outcome, never a raw Error.
    await expect(first).resolves.toMatchObject({
      ok: false,
      error: { code: ErrorCode.WORKER_UNAVAILABLE, facts: { reason: 'supervisor_error' } },
    });
    expect(seen).toEqual([20]);
  });

  it('settles calls in flight and every later call as WORKER_UNAVAILABLE once the thread ended', async () => {
    const { client } = pair();
    const pending = client.send(spec(1), null);
    client.threadEnded();
    const later = client.send(spec(2), null);
    for (const outcome of await Promise.all([pending, later])) {
      expect(outcome.ok).toBe(false);
      if (outcome.ok) continue;
      expect(outcome.error.code).toBe(ErrorCode.WORKER_UNAVAILABLE);
      expect(outcome.generation).toBe(3);
      expect(outcome.workEnteredChild).toBe(true);
    }
  });
});
