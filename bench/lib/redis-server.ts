/**
 * A private redis-server for the cluster tests and benchmark: 127.0.0.1 on a free port, no persistence, stopped by
 * the test that started it. `REDIS_AVAILABLE` says whether `redis-server` is on PATH (the cluster
 * tests skip without it, saying so).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';

export const REDIS_AVAILABLE = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
export const NO_REDIS_REASON = 'redis-server is not on PATH (.ci/run installs it with apt-get)';

async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

async function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export class RedisServer {
  port = 0;
  #child: ChildProcess | null = null;

  /** Start on a free port (or `port`), and wait (at most 10 s) until it answers PING. */
  async start(port?: number): Promise<this> {
    this.port = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    this.#child = child;
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      if (await answers(this.port)) return this;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.stop();
    throw new Error('redis-server did not answer within 10 s');
  }

  get options() {
    return { host: '127.0.0.1', port: this.port };
  }

  /** Stop it (SIGTERM, then SIGKILL after 5 s) and wait for its exit. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stop and start again on the same port: every key is gone (no persistence). */
  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.port);
  }
}
