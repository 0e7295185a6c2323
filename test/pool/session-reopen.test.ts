/**
 * Session opens and reopens through the pool: every generation opens its session before a lease
 * runs on it, under the import deadline rather than a command's; each open counts in `imports`,
 * `importLikeRequests` and toward `maxImports`; the metadata expectation is checked again after a
 * restart; a child that lost its session never makes a command fail with WORKER.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import { ErrorCode } from '../../src/errors.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import type { ResolvedWorker } from '../../src/protocol/worker-spec.js';
import { BASE_LAUNCH, helperChild } from '../helpers/supervisor.js';
import { crashAfter, echo, eventually, makePool, ROOT, rejection, source } from './helpers.js';

const sessionInfo = defineJsonCommand({
  export: 'session_info',
  request: z.object({}),
  response: z.object({ opens: z.number() }),
});

const sessionEcho = defineJsonCommand({
  export: 'echo',
  request: z.object({ x: z.number() }),
  response: z.object({ echo: z.object({ x: z.number() }), opens: z.number() }),
});

const forget = defineJsonCommand({
  export: 'forget',
  request: z.object({}),
  response: z.object({ forgot: z.boolean() }),
});

const crash = defineStreamingCommand({
  export: 'crash',
  request: z.object({}),
  row: z.unknown(),
  summary: z.unknown(),
});

/** The metadata `session-child.mjs` reports when its metadata file holds `version`. */
const metadataOf = (version: string) => ({
  commands: [],
  capabilities: [],
  lean_version: version,
  extra: null,
});

/**
 * A source for `test/helpers/children/session-child.mjs`: a session with no imports (opened
 * under `importTimeoutMs`), commands under `requestTimeoutMs`, and a metadata expectation when
 * `expected` is given.
 */
function sessionChild(
  args: string[],
  o: { importTimeoutMs: number; requestTimeoutMs?: number; expected?: unknown },
): LeanWorkerSource {
  const key = JSON.stringify({ script: 'session-child', args, o });
  const resolved: ResolvedWorker = {
    key,
    launch: {
      ...BASE_LAUNCH,
      command: process.execPath,
      args: [helperChild('session-child.mjs'), ...args],
      requestTimeoutMs: o.requestTimeoutMs ?? BASE_LAUNCH.requestTimeoutMs,
    },
    session: {
      projectRoot: ROOT,
      mode: { kind: 'capability', package: 'Fixture', lib_name: 'Fixture', manifest_path: null },
      imports: [],
      importProfile: 'private',
      importTimeoutMs: o.importTimeoutMs,
    },
    metadata: o.expected === undefined ? null : { export: 'metadata', request: {}, expected: o.expected },
  };
  return { sessionKey: () => key, resolve: async () => resolved };
}

/** A file holding `text`, removed when the current test finishes. */
function tempFile(text: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lean-worker-session-'));
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'metadata');
  fs.writeFileSync(file, text);
  return file;
}

describe('builder importTimeoutMs', () => {
  it('defaults to 10 minutes on the resolved session and is validated', async () => {
    const resolved = await source([]).resolve();
    expect(resolved.session?.importTimeoutMs).toBe(600_000);
    expect((await source([]).with({ importTimeoutMs: 1_234 }).resolve()).session?.importTimeoutMs).toBe(
      1_234,
    );
    for (const bad of [{ importTimeoutMs: 0 }, { importTimeoutMs: -1 }, { importTimeoutMs: 1.5 }]) {
      expect(() => source([]).with(bad)).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
      );
    }
    expect(() => source([]).with({ importTimeoutMS: 5 } as never)).toThrow(
      expect.objectContaining({ code: ErrorCode.INVALID_OPTIONS }),
    );
  });
});

describe('session opens and reopens', () => {
  it('reopens the session of a builder with no imports before the next lease after every restart, and counts each open', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { restartBackoffBaseMs: 0 } });
    const builder = source([]);
    const restarts = 3;
    for (let i = 0; i < restarts; i++) {
      const lease = await pool.acquireLease(builder);
      // Opened before the lease was granted, before any command ran on this generation.
      expect(pool.snapshot()).toMatchObject({ imports: i + 1, importLikeRequests: i + 1 });
      await rejection(lease.runStreamingCommand(crashAfter, { rows: 1 }).summary, ErrorCode.CHILD_CRASH);
      lease.release();
    }
    const lease = await pool.acquireLease(builder);
    expect(lease.snapshot().generation).toBe(restarts);
    // The strict child serves exports only in a session opened with the manifest.
    expect(await lease.runJsonCommand(sessionInfo, {})).toEqual({ opens: 1 });
    expect(await lease.runJsonCommand(echo, { x: 1 })).toEqual({ echo: { x: 1 } });
    expect(lease.snapshot()).toMatchObject({ imports: restarts + 1, importLikeRequests: restarts + 1 });
    expect(pool.snapshot()).toMatchObject({
      imports: restarts + 1,
      importLikeRequests: restarts + 1,
      crashRestarts: restarts,
      maxImportRestarts: 0,
    });
  });

  it('opens and reopens under importTimeoutMs, not the request deadline', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { restartBackoffBaseMs: 0 } });
    const builder = source(['A'], ['--open-delay-ms=900']).with({
      requestTimeoutMs: 300,
      importTimeoutMs: 60_000,
    });
    const first = await pool.acquireLease(builder);
    expect(await first.runJsonCommand(echo, { x: 1 })).toEqual({ echo: { x: 1 } });
    await rejection(first.runStreamingCommand(crashAfter, { rows: 1 }).summary, ErrorCode.CHILD_CRASH);
    first.release();
    const second = await pool.acquireLease(builder);
    expect(await second.runJsonCommand(echo, { x: 2 })).toEqual({ echo: { x: 2 } });
    expect(pool.snapshot()).toMatchObject({ imports: 2, timeoutRestarts: 0 });
  });

  it('fails a cold open that passes importTimeoutMs with TIMEOUT naming open_host_session', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const builder = source(['A'], ['--open-delay-ms=30000']).with({ importTimeoutMs: 200 });
    const error = await rejection(pool.acquireLease(builder), ErrorCode.TIMEOUT);
    expect(error.facts).toMatchObject({ operation: 'open_host_session', kind: 'total', timeoutMs: 200 });
    expect(pool.snapshot()).toMatchObject({ workers: 0, imports: 0 });
  });

  it('reopens a session the child lost under the import deadline, and counts it toward maxImports', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { maxImports: 1 } });
    const child = sessionChild(['--reopen-delay-ms=900'], { importTimeoutMs: 60_000, requestTimeoutMs: 300 });
    const lease = await pool.acquireLease(child);
    expect(await lease.runJsonCommand(sessionEcho, { x: 1 })).toEqual({ echo: { x: 1 }, opens: 1 });
    await lease.runJsonCommand(forget, {});
    // session_missing: reopened (longer than the command's deadline) and the command retried.
    expect(await lease.runJsonCommand(sessionEcho, { x: 2 })).toEqual({ echo: { x: 2 }, opens: 2 });
    expect(pool.snapshot()).toMatchObject({ imports: 2, importLikeRequests: 2, timeoutRestarts: 0 });
    // Two imports on one generation pass maxImports 1: the worker is cycled before the next command.
    const error = await rejection(lease.runJsonCommand(sessionEcho, { x: 3 }), ErrorCode.LEASE_INVALIDATED);
    expect(error.facts.reason).toBe('max_imports');
    lease.release();
    await eventually(() =>
      expect(pool.snapshot()).toMatchObject({ maxImportRestarts: 1, policyRestarts: 1 }),
    );
    const next = await pool.acquireLease(child);
    expect(next.snapshot().generation).toBe(1);
    expect(await next.runJsonCommand(sessionEcho, { x: 4 })).toEqual({ echo: { x: 4 }, opens: 1 });
    expect(pool.snapshot()).toMatchObject({ imports: 3, importLikeRequests: 3, maxImportRestarts: 1 });
  });

  it('fails a reopen of a lost session that passes the import deadline with TIMEOUT, never WORKER', async () => {
    const pool = makePool({ maxWorkers: 1 });
    const child = sessionChild(['--reopen-delay-ms=30000'], { importTimeoutMs: 200 });
    const lease = await pool.acquireLease(child);
    await lease.runJsonCommand(forget, {});
    const error = await rejection(lease.runJsonCommand(sessionEcho, { x: 1 }), ErrorCode.TIMEOUT);
    expect(error.facts).toMatchObject({ operation: 'open_host_session', kind: 'total', timeoutMs: 200 });
    expect(lease.isValid).toBe(false);
  });

  it('checks the metadata expectation again after a restart: a mismatch fails the acquire with METADATA_MISMATCH', async () => {
    const pool = makePool({ maxWorkers: 1, policy: { restartBackoffBaseMs: 0 } });
    const file = tempFile('v1');
    const child = sessionChild([`--metadata-file=${file}`], {
      importTimeoutMs: 60_000,
      expected: metadataOf('v1'),
    });
    const first = await pool.acquireLease(child);
    expect(await first.runJsonCommand(sessionEcho, { x: 1 })).toEqual({ echo: { x: 1 }, opens: 1 });
    fs.writeFileSync(file, 'v2');
    await rejection(first.runStreamingCommand(crash, {}).summary, ErrorCode.CHILD_CRASH);
    first.release();
    const error = await rejection(pool.acquireLease(child), ErrorCode.METADATA_MISMATCH);
    expect(error.facts).toMatchObject({
      export: 'metadata',
      expected: metadataOf('v1'),
      actual: metadataOf('v2'),
    });
    // The worker that failed its check is gone; once the capability matches again, a fresh one serves.
    fs.writeFileSync(file, 'v1');
    const again = await pool.acquireLease(child);
    expect(await again.runJsonCommand(sessionEcho, { x: 2 })).toEqual({ echo: { x: 2 }, opens: 1 });
    expect(pool.snapshot()).toMatchObject({ workers: 1, coldOpenAdmitted: 2 });
  });
});
