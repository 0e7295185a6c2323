/**
 * Drives a child process over raw frames: spawns it, splits stdout with the protocol codec,
 * and kills it when the current test finishes, whatever the outcome.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { FrameDecoder } from '../../src/protocol/codec.js';
import { decodeChildMessage } from '../../src/protocol/decode.js';
import { encodeConfigureFrameLimit, encodeRequest } from '../../src/protocol/encode.js';
import type { ChildMessage, Request, Response } from '../../src/protocol/messages.js';
import { STRICT_FIXTURES } from '../helpers/capability.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Path of a compiled fixture child (run `npm run build` first). */
export function fixture(name: string): string {
  const file = path.join(ROOT, 'dist/fixtures/children', `${name}.js`);
  if (!existsSync(file)) throw new Error(`missing ${file}: run npm run build`);
  return file;
}

/** Path of a fixture file used as is (not compiled). */
export function sourceFixture(name: string): string {
  return path.join(ROOT, 'fixtures/children', name);
}

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface Frame {
  readonly text: string;
  readonly bytes: number;
}

/** A spawned child with frame-level access to its pipes. */
export class ChildHarness {
  readonly proc: ChildProcess;
  readonly exited: Promise<Exit>;
  #decoder = new FrameDecoder();
  #frames: Frame[] = [];
  #waiters: Array<() => void> = [];
  #ended = false;
  #error: Error | undefined;
  #stderr: Buffer[] = [];
  /** Raw stdout bytes received. */
  stdoutBytes = 0;

  constructor(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, signal) => resolve({ code, signal })));
    this.proc.stdin?.on('error', () => undefined);
    this.proc.stdout?.on('data', (chunk: Buffer) => {
      this.stdoutBytes += chunk.length;
      try {
        const texts = this.#decoder.push(chunk);
        texts.forEach((text, i) => {
          this.#frames.push({ text, bytes: this.#decoder.frameLengths[i] ?? Buffer.byteLength(text) });
        });
      } catch (error) {
        this.#error = error as Error;
      }
      this.#wake();
    });
    this.proc.stdout?.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    this.proc.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    onTestFinished(() => this.kill());
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** SIGKILL the child if it is still running. */
  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
  }

  get stderr(): string {
    return Buffer.concat(this.#stderr).toString('utf8');
  }

  get stderrBytes(): number {
    return this.#stderr.reduce((n, b) => n + b.length, 0);
  }

  /** Next raw frame; rejects on end of output, a codec error, or after `timeoutMs`. */
  async nextFrame(timeoutMs = 10_000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const frame = this.#frames.shift();
      if (frame) return frame;
      if (this.#error) throw this.#error;
      if (this.#ended) throw new Error(`child stdout ended; stderr: ${this.stderr.slice(-500)}`);
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error('timed out waiting for a frame');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Next frame decoded as a child message (without the forwarding-only `payloadText` of rows). */
  async next(timeoutMs?: number): Promise<ChildMessage> {
    const message = decodeChildMessage((await this.nextFrame(timeoutMs)).text);
    if (message.type !== 'data_row') return message;
    return { type: message.type, body: message.body };
  }

  /** Resolve with what the decoder saw at the end of output: a codec error, or undefined. */
  async outputEnd(timeoutMs = 10_000): Promise<Error | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended && !this.#error && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    if (this.#error) return this.#error;
    try {
      this.#decoder.end();
    } catch (error) {
      return error as Error;
    }
    return undefined;
  }

  /** Frames received and not yet consumed. */
  get buffered(): number {
    return this.#frames.length;
  }

  send(frame: Buffer): void {
    this.proc.stdin?.write(frame);
  }

  request(request: Request): void {
    this.send(encodeRequest(request));
  }

  /** Read the handshake, then send `configure_frame_limit`. */
  async handshake(maxFrameBytes = 1_048_576): Promise<ChildMessage> {
    const first = await this.next();
    this.send(encodeConfigureFrameLimit(maxFrameBytes));
    return first;
  }

  /** Send a request and collect its non-terminal messages and terminal response. */
  async call(request: Request, timeoutMs?: number): Promise<{ events: ChildMessage[]; response: Response }> {
    this.request(request);
    return this.collect(timeoutMs);
  }

  /** Collect messages up to and including the next response. */
  async collect(timeoutMs?: number): Promise<{ events: ChildMessage[]; response: Response }> {
    const events: ChildMessage[] = [];
    while (true) {
      const message = await this.next(timeoutMs);
      if (message.type === 'response') return { events, response: message.body };
      events.push(message);
    }
  }
}

/** Spawn a compiled fixture with node. */
export function startFixture(
  name: string,
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
  options: { readonly strict?: boolean } = {},
): ChildHarness {
  // `test-child` and `mathlib-child` enforce the real child's contract unless told `--lenient`; raw-frame tests
  // speak the protocol without a capability manifest unless they ask for the strict child.
  const strictByDefault = STRICT_FIXTURES.has(name);
  const lenient = strictByDefault && !options.strict ? ['--lenient'] : [];
  return new ChildHarness(process.execPath, [fixture(name), ...lenient, ...args], env);
}

/** A handshaken test child. */
export async function readyTestChild(
  args: readonly string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildHarness> {
  const child = startFixture('test-child', args, env);
  await child.handshake();
  return child;
}

/** A `run_data_stream` request. */
export function stream(exportName: string, request: unknown = {}, progress = false): Request {
  return { op: 'run_data_stream', export: exportName, request_json: JSON.stringify(request), progress };
}

/** A string-export request of the given op. */
export function call(
  op: 'json_command' | 'capability_metadata' | 'capability_doctor',
  exportName: string,
  request: unknown = {},
): Request {
  return { op, export: exportName, request_json: JSON.stringify(request) };
}

/** An `open_host_session` request for a shims-only session over `imports`. */
export function open(imports: string[], projectRoot = '/tmp/project'): Request {
  return {
    op: 'open_host_session',
    project_root: projectRoot,
    mode: { kind: 'shims_only' },
    imports,
    import_profile: 'private',
  };
}
