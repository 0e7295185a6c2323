/**
 * A fixture child driven directly from the calling thread with the protocol codec: no pool, no
 * supervisor thread, no port. The baseline the pool is compared against.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { DEFAULT_FRAME_BYTES } from '../../src/index.js';
import { FrameDecoder } from '../../src/protocol/codec.js';
import { decodeChildFrame, RowFrameReader } from '../../src/protocol/decode.js';
import { encodeConfigureFrameLimit, encodeRequest } from '../../src/protocol/encode.js';
import type { ChildMessage } from '../../src/protocol/messages.js';

export class BareChild {
  readonly #proc: ChildProcessWithoutNullStreams;
  readonly #decoder = new FrameDecoder(DEFAULT_FRAME_BYTES);
  readonly #rows = new RowFrameReader();
  #onMessage: ((message: ChildMessage, bytes: number) => void) | null = null;
  #queued: { message: ChildMessage; bytes: number }[] = [];
  #onReadEnd: (() => void) | null = null;

  private constructor(script: string, args: readonly string[]) {
    // The bare floor speaks the raw protocol with no session or manifest: the fixture's lenient mode.
    this.#proc = spawn(process.execPath, [script, '--lenient', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#proc.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.#proc.stdout.on('data', (chunk: Buffer) => {
      const { buffer, spans } = this.#decoder.split(chunk);
      for (let i = 0; i < spans.length; i += 2) {
        const start = spans[i] as number;
        const end = spans[i + 1] as number;
        const message = decodeChildFrame(buffer, start, end, this.#rows);
        const bytes = end - start + 4;
        if (this.#onMessage) this.#onMessage(message, bytes);
        else this.#queued.push({ message, bytes });
      }
      this.#onReadEnd?.();
    });
  }

  /** Spawn, read the handshake, send configure_frame_limit. */
  static async start(script: string, args: readonly string[] = []): Promise<BareChild> {
    const child = new BareChild(script, args);
    try {
      const handshake = await child.#next();
      if (handshake.type !== 'handshake') throw new Error(`expected handshake, got ${handshake.type}`);
    } catch (error) {
      child.kill();
      throw error;
    }
    child.#proc.stdin.write(encodeConfigureFrameLimit(DEFAULT_FRAME_BYTES));
    return child;
  }

  #next(): Promise<ChildMessage> {
    const queued = this.#queued.shift();
    if (queued) return Promise.resolve(queued.message);
    return new Promise((resolve) => {
      this.#onMessage = (message) => {
        this.#onMessage = null;
        resolve(message);
      };
    });
  }

  /** run_data_stream `rows {count}`: decode and count rows until the terminal response. */
  stream(count: number): Promise<{ rows: number; bytes: number; checksum: number }> {
    let rows = 0;
    let bytes = 0;
    let checksum = 0;
    return this.#requestRows(
      count,
      (message, frameBytes) => {
        bytes += frameBytes;
        if (message.type !== 'data_row') return;
        rows += 1;
        checksum += (message.body.payload as { i: number }).i;
      },
      () => ({ rows, bytes, checksum }),
    );
  }

  /**
   * run_data_stream `rows {count}` with the least work a decoding thread can do: each row's
   * payload decoded from UTF-8 and parsed (its check), and what one read yields handed to `post`
   * as one JSON array of payload texts. Resolves with the row count at the terminal response.
   */
  streamPayloads(count: number, post: (text: string) => void): Promise<number> {
    let texts: string[] = [];
    let rows = 0;
    const flush = () => {
      if (texts.length === 0) return;
      post(`[${texts.join(',')}]`);
      texts = [];
    };
    this.#onReadEnd = flush;
    const done = this.#requestRows(
      count,
      (message) => {
        if (message.type !== 'data_row' || message.payloadText === undefined) return;
        rows += 1;
        texts.push(message.payloadText);
      },
      () => {
        flush();
        return rows;
      },
    );
    return done.finally(() => {
      this.#onReadEnd = null;
    });
  }

  /** Send `rows {count}`: `onFrame` sees every frame, `result` is taken at stream_complete. */
  #requestRows<T>(
    count: number,
    onFrame: (message: ChildMessage, frameBytes: number) => void,
    result: () => T,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      this.#onMessage = (message, frameBytes) => {
        onFrame(message, frameBytes);
        if (message.type !== 'response') return;
        this.#onMessage = null;
        if (message.body.status === 'stream_complete') resolve(result());
        else reject(new Error(`stream failed: ${JSON.stringify(message.body)}`));
      };
      this.#proc.stdin.write(
        encodeRequest({
          op: 'run_data_stream',
          export: 'rows',
          request_json: JSON.stringify({ count }),
          progress: false,
        }),
      );
    });
  }

  /** json_command `echo {x}`: one round trip; returns the decoded response. */
  async echo(x: number): Promise<unknown> {
    const reply = this.#next();
    this.#proc.stdin.write(
      encodeRequest({ op: 'json_command', export: 'echo', request_json: JSON.stringify({ x }) }),
    );
    const message = await reply;
    if (message.type !== 'response' || message.body.status !== 'json_command') {
      throw new Error(`echo failed: ${JSON.stringify(message)}`);
    }
    return JSON.parse(message.body.response_json);
  }

  kill(): void {
    if (this.#proc.exitCode === null && this.#proc.signalCode === null) this.#proc.kill('SIGKILL');
  }

  /** terminate, then SIGKILL after 2 s. */
  async stop(): Promise<void> {
    if (this.#proc.exitCode !== null || this.#proc.signalCode !== null) return;
    const exited = new Promise((resolve) => this.#proc.once('exit', resolve));
    this.#proc.stdin.end(encodeRequest({ op: 'terminate' }));
    const timer = setTimeout(() => this.kill(), 2000);
    await exited;
    clearTimeout(timer);
  }
}
