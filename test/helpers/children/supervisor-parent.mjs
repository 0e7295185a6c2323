/**
 * A separate Node process that owns a supervisor over the test child, for tests that end that
 * owner abruptly. Prints `pid <child pid>` on stdout once the child runs, then:
 *
 *   stream   streams rows slowly forever (the test SIGKILLs this process mid-stream)
 *   exit     exits with process.exit(0) without shutting the supervisor down
 */
import { MessageChannel } from 'node:worker_threads';
import { LeanWorkerStream } from '../../../dist/src/stream/lean-worker-stream.js';
import { SupervisorHandle } from '../../../dist/src/worker/supervisor-handle.js';

const mode = process.argv[2] ?? 'stream';
const child = new URL('../../../dist/fixtures/children/test-child.js', import.meta.url).pathname;
const launch = {
  command: process.execPath,
  args: [child, '--lenient'], // raw requests without a capability manifest
  env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
  startupTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  requestIdleTimeoutMs: 0,
  shutdownTimeoutMs: 2_000,
  killWaitTimeoutMs: 5_000,
  maxFrameBytes: 1 << 20,
  stderrTailBytes: 4096,
  hardMemoryLimitKib: 0,
  memorySampleIntervalMs: 250,
};
const handle = await SupervisorHandle.start({
  launch,
  restart: { maxRestarts: 1, windowMs: 60_000, backoffBaseMs: 0, backoffMaxMs: 0 },
  relay: { initialCredit: 2, maxBatchItems: 16, maxBatchBytes: 16_384 },
});
const pid = handle.info.pid;
setTimeout(() => process.exit(3), 30_000).unref();

if (mode === 'exit') {
  process.stdout.write(`pid ${pid}\n`, () => process.exit(0));
} else {
  const channel = new MessageChannel();
  const spec = {
    id: 1,
    generation: handle.generation,
    request: {
      op: 'run_data_stream',
      export: 'slow',
      request_json: '{"rows":100000,"msPerRow":5}',
      progress: false,
    },
    timeoutMs: 0,
    idleTimeoutMs: 0,
  };
  const stream = new LeanWorkerStream(channel.port1, handle.request(spec, channel.port2), {});
  let announced = false;
  for await (const _row of stream) {
    if (!announced) {
      announced = true;
      process.stdout.write(`pid ${pid}\n`);
    }
  }
}
