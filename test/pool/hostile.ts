/**
 * Sources that run a Node child script directly (no capability builder, no session to open), and
 * the commands of the hostile raw child (`test/helpers/children/hostile-child.mjs`), whose
 * behaviour is chosen per request by export name. Each distinct script and `args` list is a key.
 */
import { z } from 'zod';
import { defineJsonCommand, defineStreamingCommand } from '../../src/commands.js';
import type { LeanWorkerSource } from '../../src/pool/pool.js';
import type { ResolvedWorker, WorkerLaunchSpec } from '../../src/protocol/worker-spec.js';
import { fixturePath } from '../../src/worker/paths.js';
import { BASE_LAUNCH, helperChild, ROOT } from '../helpers/supervisor.js';

/**
 * A source that runs `script` with Node under `launch` (no export declarations; a session only
 * when `imports` are given): the pool's own behaviour, independent of the capability builder.
 */
export function nodeSource(
  script: string,
  args: string[] = [],
  launch: Partial<WorkerLaunchSpec> = {},
  imports: string[] | null = null,
): LeanWorkerSource {
  const key = JSON.stringify({ script, args, launch, imports });
  const mode = { kind: 'capability', package: 'Fixture', lib_name: 'Fixture', manifest_path: null } as const;
  const resolved: ResolvedWorker = {
    key,
    launch: { ...BASE_LAUNCH, ...launch, command: process.execPath, args: [script, ...args] },
    session: imports ? { projectRoot: ROOT, mode, imports, importProfile: 'private' } : null,
    metadata: null,
  };
  return { sessionKey: () => key, resolve: async () => resolved };
}

/** The hostile raw child; each distinct `args` list is its own key. */
export function hostile(args: string[] = [], launch: Partial<WorkerLaunchSpec> = {}): LeanWorkerSource {
  return nodeSource(helperChild('hostile-child.mjs'), args, launch);
}

/** The general test child (`fixtures/children/test-child.ts`) with a session of `imports`. */
export function testChild(
  args: string[] = [],
  launch: Partial<WorkerLaunchSpec> = {},
  imports: string[] = ['A'],
): LeanWorkerSource {
  return nodeSource(fixturePath('children/test-child'), args, launch, imports);
}

/** Rows whose payloads are the request's `payloads`, checked against `row`. */
export function payloadRows<T>(row: z.ZodType<T>) {
  return defineStreamingCommand({
    export: 'rows',
    request: z.object({ payloads: z.array(z.unknown()) }),
    row,
    summary: z.unknown(),
  });
}

export const deepRows = defineStreamingCommand({
  export: 'deep_rows',
  request: z.object({ depths: z.array(z.number()) }),
  row: z.unknown(),
  summary: z.unknown(),
});

export const deepJson = defineJsonCommand({
  export: 'deep',
  request: z.object({ depth: z.number() }),
  response: z.unknown(),
});

export const hostileEcho = defineJsonCommand({
  export: 'echo',
  request: z.unknown(),
  response: z.unknown(),
});

export const hostileSlow = defineStreamingCommand({
  export: 'slow',
  request: z.object({ rows: z.number(), msPerRow: z.number() }),
  row: z.object({ i: z.number() }),
  summary: z.unknown(),
});

export const hostileHang = defineStreamingCommand({
  export: 'hang',
  request: z.object({}),
  row: z.unknown(),
  summary: z.unknown(),
});
