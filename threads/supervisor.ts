/**
 * Supervisor worker thread entry. One thread owns one child process; the main-thread scheduler
 * drives it through a comlink API on `parentPort` (control plane only), sends requests on a
 * dedicated port (one plain message each way, the hot path of a round trip), and hears unsolicited
 * events on another. Rows never pass through here on their way to main: each request brings its
 * own transferable row port.
 *
 * The thread loads only what its child needs (a thread costs every pool worker): the repl driver
 * and its session stack only for a repl child, and it compiles a JSON-Schema checker when it
 * first checks a schema (`validation.ts`). The main thread sizes its heap (`resourceLimits`,
 * `src/worker/thread-entry.ts`).
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import { nodeEndpoint } from '../src/protocol/endpoint.js';
import { ErrorCode } from '../src/protocol/error-codes.js';
import type { SupervisorEvent } from '../src/protocol/port-messages.js';
import type {
  AnySupervisorRequest,
  RequestCall,
  RequestReply,
  StartResult,
  SupervisorApi,
  SupervisorWorkerData,
} from '../src/protocol/thread-contract.js';
import { StartFailure } from './generation.js';
import { keepOnCpus, lowerChildrenOfThisThread } from './priority.js';
import { RefTable } from './request-refs.js';
import { SupervisorCore } from './supervisor-core.js';
import { v10Driver } from './v10-driver.js';

const messageOf = (error: unknown) => String((error as Error)?.message ?? error);

function asResult(error: unknown): StartResult {
  if (error instanceof StartFailure) return { ok: false, error: error.wire };
  return { ok: false, error: { code: ErrorCode.SPAWN, message: messageOf(error) } };
}

if (parentPort) {
  const { config, events, requests } = workerData as SupervisorWorkerData;
  lowerChildrenOfThisThread(config.nice ?? 0, config.schedIdle ?? false);
  if (config.cpus) keepOnCpus(config.cpus);
  const driver =
    config.child?.kind === 'repl'
      ? (await import('./repl-driver.js')).replDriver(config.child)
      : v10Driver(config.maxJsonDepth);
  const core = new SupervisorCore(config, driver, (event: SupervisorEvent) => events.postMessage(event));
  const api: SupervisorApi = {
    start: () => core.start().then((info) => ({ ok: true as const, info }), asResult),
    cancel: (id, reason) => core.cancel(id, reason),
    cycle: (reason) => core.cycle(reason).then((info) => ({ ok: true as const, info }), asResult),
    sample: (withPss) => core.sample(withPss),
    shutdown: (mode) => core.shutdown(mode),
    killNow: () => core.killNow(),
  };
  Comlink.expose(api, nodeEndpoint(parentPort));
  // A message from main that cannot be read would leave its caller waiting forever: end the
  // thread instead, so that main settles every call in flight with the typed failure and the cause.
  const unreadable = (error: unknown) => {
    throw error instanceof Error ? error : new Error(`unreadable message: ${String(error)}`);
  };
  parentPort.on('messageerror', unreadable);
  events.on('messageerror', unreadable);
  requests.on('messageerror', unreadable);
  const refs = new RefTable();
  const reply = (message: RequestReply) => requests.postMessage(message);
  requests.on('message', ({ call, spec, refs: named, port }: RequestCall) => {
    let resolved: AnySupervisorRequest;
    try {
      resolved = refs.resolve(spec, named);
    } catch (error) {
      port?.close();
      reply({ call, error: messageOf(error) });
      return;
    }
    core.request(resolved, port).then(
      (outcome) => {
        try {
          reply({ call, outcome });
        } catch (error) {
          // The outcome could not be cloned: say so rather than leave the call unanswered.
          reply({ call, error: `outcome not sendable: ${messageOf(error)}` });
        }
      },
      (error: unknown) => reply({ call, error: messageOf(error) }),
    );
  });
}
