import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { splitSnippet } from '../../src/protocol/repl-snippet.js';
import { ReplChannel } from '../../threads/repl/channel.js';
import { ReplSession } from '../../threads/repl/session.js';

/** Let queued requests reach the wire. */
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** An in-memory child: records what was written, answers when told to. */
function memoryChild() {
  const written: unknown[] = [];
  let onWrite: (request: Record<string, unknown>) => void = () => undefined;
  const write = (bytes: Uint8Array): void => {
    const text = Buffer.from(bytes).toString('utf8');
    expect(text.endsWith('\n\n')).toBe(true);
    const request = JSON.parse(text) as Record<string, unknown>;
    written.push(request);
    onWrite(request);
  };
  return {
    written,
    write,
    answerWith(fn: (request: Record<string, unknown>) => unknown, feed: (b: Buffer) => void) {
      onWrite = (request) => {
        const answer = fn(request);
        if (answer !== undefined) queueMicrotask(() => feed(Buffer.from(`${JSON.stringify(answer)}\n\n`)));
      };
    },
  };
}

describe('ReplChannel', () => {
  it('answers requests in order, one at a time', async () => {
    const child = memoryChild();
    const channel = new ReplChannel({ write: child.write });
    let env = 0;
    child.answerWith(
      () => ({ env: env++ }),
      (b) => channel.feed(b),
    );
    const [a, b] = await Promise.all([channel.request({ cmd: 'a' }), channel.request({ cmd: 'b', env: 0 })]);
    expect(a.response).toEqual({ kind: 'command', body: { env: 0 } });
    expect(b.response).toEqual({ kind: 'command', body: { env: 1 } });
    expect(child.written).toEqual([{ cmd: 'a' }, { cmd: 'b', env: 0 }]);
  });

  it('fails with PROTOCOL on a response nobody asked for', () => {
    const channel = new ReplChannel({ write: () => undefined });
    channel.feed(Buffer.from('{"env": 0}\n\n'));
    expect(channel.failure?.wire.code).toBe(ErrorCode.PROTOCOL);
    expect(channel.failure?.wire.facts).toMatchObject({ kind: 'repl_unsolicited_output' });
  });

  it('fails with PROTOCOL when an answer repeats an earlier env or proof state', async () => {
    const cases = [
      { first: { cmd: 'a' }, second: { cmd: 'b', env: 0 }, answer: '{"env": 0}' },
      {
        first: { tactic: 'skip', proofState: 0 },
        second: { tactic: 'skip', proofState: 1 },
        answer: '{"proofState": 1, "goals": []}',
      },
    ];
    for (const { first, second, answer } of cases) {
      const channel = new ReplChannel({ write: () => undefined });
      const a = channel.request(first);
      await tick();
      channel.feed(Buffer.from(`${answer}\n\n`));
      await a;
      // The same answer again, while the next request waits: a repeat, not its answer.
      const b = channel.request(second);
      await tick();
      channel.feed(Buffer.from(`${answer}\n\n`));
      await expect(b).rejects.toMatchObject({
        wire: { code: ErrorCode.PROTOCOL, facts: { kind: 'repl_stale_response' } },
      });
    }
  });

  it('fails with PROTOCOL on JSON of an unknown shape', async () => {
    const channel = new ReplChannel({ write: () => undefined });
    const pending = channel.request({ cmd: 'x' });
    await tick();
    channel.feed(Buffer.from('{"surprise": true}\n\n'));
    await expect(pending).rejects.toMatchObject({
      wire: { code: ErrorCode.PROTOCOL, facts: { kind: 'repl_unexpected_response' } },
    });
  });

  it('reports EOF in the middle of a response as CHILD_EXIT (status 0) or CHILD_CRASH (signal)', async () => {
    const clean = new ReplChannel({ write: () => undefined });
    const p1 = clean.request({ cmd: 'x' });
    await tick();
    clean.feed(Buffer.from('{"env":'));
    clean.end({ exitCode: 0, signal: null });
    await expect(p1).rejects.toMatchObject({
      wire: { code: ErrorCode.CHILD_EXIT, facts: { kind: 'repl_eof_mid_response', requestInFlight: true } },
    });

    const crashed = new ReplChannel({ write: () => undefined });
    const p2 = crashed.request({ cmd: 'x' });
    await tick();
    crashed.end({ exitCode: null, signal: 'SIGKILL', stderrTail: 'Stack overflow detected. Aborting.\n' });
    await expect(p2).rejects.toMatchObject({
      wire: {
        code: ErrorCode.CHILD_CRASH,
        facts: { kind: 'repl_eof', signal: 'SIGKILL', stderrTail: 'Stack overflow detected. Aborting.\n' },
      },
    });
    // Later requests fail the same way without writing.
    await expect(crashed.request({ cmd: 'y' })).rejects.toMatchObject({
      wire: { code: ErrorCode.CHILD_CRASH },
    });
  });

  it('treats a non-zero exit status as a crash', async () => {
    const channel = new ReplChannel({ write: () => undefined });
    const pending = channel.request({ cmd: 'x' });
    await tick();
    channel.end({ exitCode: 1, signal: null });
    await expect(pending).rejects.toMatchObject({
      wire: { code: ErrorCode.CHILD_CRASH, facts: { exitCode: 1 } },
    });
  });

  it('leaves the channel usable when a queued request is aborted before it was sent', async () => {
    const child = memoryChild();
    const channel = new ReplChannel({ write: child.write });
    const first = channel.request({ cmd: 'slow' });
    await tick();
    const controller = new AbortController();
    const second = channel.request({ cmd: 'queued' }, { signal: controller.signal });
    controller.abort(new Error('caller gave up'));
    await expect(second).rejects.toMatchObject({ wire: { code: ErrorCode.ABORTED, facts: { sent: false } } });
    channel.feed(Buffer.from('{"env": 0}\n\n'));
    await expect(first).resolves.toMatchObject({ response: { kind: 'command' } });
    expect(channel.failure).toBeUndefined();
    expect(child.written).toEqual([{ cmd: 'slow' }]);
  });

  it('fails the channel when a sent request is aborted or passes its deadline', async () => {
    const aborted = new ReplChannel({ write: () => undefined });
    const controller = new AbortController();
    const p1 = aborted.request({ cmd: 'x' }, { signal: controller.signal });
    await tick();
    controller.abort();
    await expect(p1).rejects.toMatchObject({ wire: { code: ErrorCode.ABORTED, facts: { sent: true } } });
    expect(aborted.failure?.wire.code).toBe(ErrorCode.ABORTED);

    const timed = new ReplChannel({ write: () => undefined });
    await expect(timed.request({ cmd: 'x' }, { timeoutMs: 5 })).rejects.toMatchObject({
      wire: { code: ErrorCode.TIMEOUT, facts: { kind: 'repl_timeout', timeoutMs: 5 } },
    });
  });

  it('fails with WORKER_UNAVAILABLE when writing throws', async () => {
    const channel = new ReplChannel({
      write: () => {
        throw Object.assign(new Error('write EPIPE'), { code: 'EPIPE' });
      },
    });
    await expect(channel.request({ cmd: 'x' })).rejects.toMatchObject({
      wire: { code: ErrorCode.WORKER_UNAVAILABLE },
    });
  });

  it('fails with FRAME_TOO_LARGE past the response cap', async () => {
    const channel = new ReplChannel({ write: () => undefined, maxResponseBytes: 32 });
    const pending = channel.request({ cmd: 'x' });
    await tick();
    channel.feed(Buffer.from(`{"env": 0, "messages": [{"data": "${'z'.repeat(64)}`));
    await expect(pending).rejects.toMatchObject({ wire: { code: ErrorCode.FRAME_TOO_LARGE } });
  });
});

describe('ReplSession header handling (in memory)', () => {
  it('opens a header once for concurrent snippets of the same key', async () => {
    const child = memoryChild();
    const session = new ReplSession({ write: child.write });
    let env = 0;
    child.answerWith(
      () => ({ env: env++ }),
      (b) => session.feed(b),
    );
    await Promise.all([session.run('import A\n#eval 1'), session.run('import A\n#eval 2')]);
    const headers = child.written.filter((r) => (r as { env?: number }).env === undefined);
    expect(headers).toEqual([{ cmd: 'import A' }]);
    expect(session.headerEnv).toBe(0);
  });

  it('refuses a snippet of another key with INVALID_ARGUMENT', async () => {
    const child = memoryChild();
    const session = new ReplSession({ write: child.write, headerProbe: null });
    child.answerWith(
      () => ({ env: 0 }),
      (b) => session.feed(b),
    );
    await session.openHeader(splitSnippet('import A'));
    await expect(session.run('import B\n#eval 1')).rejects.toMatchObject({
      wire: { code: ErrorCode.INVALID_ARGUMENT, facts: { kind: 'repl_session_key_mismatch' } },
    });
  });

  it('does not probe a prelude header without imports', async () => {
    const child = memoryChild();
    const session = new ReplSession({ write: child.write });
    child.answerWith(
      () => ({ env: 0 }),
      (b) => session.feed(b),
    );
    await session.openHeader(splitSnippet('prelude\n'));
    expect(child.written).toEqual([{ cmd: 'prelude' }]);
  });

  it('reports a repl failure answer to a body as WORKER and stays usable', async () => {
    const child = memoryChild();
    const session = new ReplSession({ write: child.write, headerProbe: null });
    let envs = 0;
    child.answerWith(
      // As the repl: every command answer names a new env.
      (r) => ((r as { cmd: string }).cmd === 'bad' ? { message: 'Unknown environment.' } : { env: envs++ }),
      (b) => session.feed(b),
    );
    await expect(session.run('bad')).rejects.toMatchObject({
      wire: { code: ErrorCode.WORKER, facts: { kind: 'repl_error', replMessage: 'Unknown environment.' } },
    });
    expect(session.failure).toBeUndefined();
    await expect(session.run('good')).resolves.toMatchObject({ summary: { metadata: { ok: true } } });
  });
});
