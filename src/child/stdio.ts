/**
 * The child's two pipes. Output frames are coalesced and written to fd 1 with asynchronous
 * `fs.write` calls on the (blocking) pipe, so a full pipe parks the writer and, through the
 * promises it hands out, the producing export: the parent paces the child by not reading.
 * Input is read one frame at a time with the frame cap in force when that frame is reached.
 */
import fs from 'node:fs';
import { type Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { FrameError } from '../protocol/codec.js';
import { DEFAULT_FRAME_BYTES, FRAME_HEADER_BYTES } from '../protocol/constants.js';

/** Bytes queued before `write` asks its caller to wait. */
const HIGH_WATER_BYTES = 64 * 1024;

/**
 * `fs.write` as a promise. Not `util.promisify`: on Node 22 and later, loading `node:util` makes
 * the process's stderr pipe non-blocking, and then an export's own `fs.writeSync(2, ...)` fails
 * with EAGAIN whenever the parent is a moment behind reading.
 */
function write(fd: number, buf: Buffer, offset: number, length: number): Promise<number> {
  return new Promise((resolve, reject) => {
    fs.write(fd, buf, offset, length, null, (error, written) => (error ? reject(error) : resolve(written)));
  });
}

/** Longest a stderr write waits for the parent to drain a full pipe before the rest is dropped. */
const STDERR_PATIENCE_MS = 5_000;
/** Target of the 1 ms synchronous sleeps while stderr is full. */
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Ordered, coalescing frame writer over a file descriptor. */
export class FrameWriter {
  /** Cap applied by encoders; installed from `configure_frame_limit`. */
  maxFrameBytes = DEFAULT_FRAME_BYTES;
  readonly #fd: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #flushing: Promise<void> | undefined;
  #scheduled = false;
  #failed: Error | undefined;

  constructor(fd = 1) {
    this.#fd = fd;
  }

  /**
   * Queue one encoded frame. Returns undefined when the caller may go on, or a promise to await
   * before producing more (the queue is over its high-water mark). Throws once the pipe failed.
   */
  write(frame: Buffer): Promise<void> | undefined {
    if (this.#failed) throw this.#failed;
    this.#pending.push(frame);
    this.#pendingBytes += frame.length;
    if (this.#pendingBytes >= HIGH_WATER_BYTES) return this.flush();
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => {
        this.#scheduled = false;
        // A failure is kept in #failed and reported to the next writer or flusher.
        this.flush().catch(() => undefined);
      });
    }
    return undefined;
  }

  /** Resolve once every queued frame reached the pipe; reject if the pipe failed. */
  async flush(): Promise<void> {
    while (true) {
      if (this.#failed) throw this.#failed;
      if (this.#flushing) {
        await this.#flushing.catch(() => undefined);
        continue;
      }
      if (this.#pendingBytes === 0) return;
      const drain = this.#drain();
      this.#flushing = drain;
      // Registered before any waiter, so it runs first when the drain settles.
      drain
        .finally(() => {
          if (this.#flushing === drain) this.#flushing = undefined;
        })
        .catch(() => undefined);
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#pending.length > 0) {
        const buf =
          this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
        this.#pending = [];
        this.#pendingBytes = 0;
        let offset = 0;
        while (offset < buf.length) {
          try {
            offset += await write(this.#fd, buf, offset, buf.length - offset);
          } catch (error) {
            // A non-blocking descriptor (set by someone else) reports a full pipe as EAGAIN.
            if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
            await sleep(2);
          }
        }
      }
    } catch (error) {
      this.#failed = error as Error;
      this.#pending = [];
      this.#pendingBytes = 0;
      throw error;
    }
  }
}

/** Pull-based frame reader: one frame body per `next()`, with the cap current at that moment. */
export class FrameReader {
  /** Cap checked against each declared length before its body is awaited. */
  maxFrameBytes = DEFAULT_FRAME_BYTES;
  readonly #input: Readable;
  #chunks: Buffer[] = [];
  #bytes = 0;
  #ended = false;
  #error: Error | undefined;
  #wake: (() => void) | undefined;

  constructor(input: Readable) {
    this.#input = input;
    input.on('data', (chunk: Buffer) => {
      this.#chunks.push(chunk);
      this.#bytes += chunk.length;
      // Hold at most a little more than one frame; the parent sends one request at a time.
      if (this.#bytes > this.maxFrameBytes + FRAME_HEADER_BYTES) input.pause();
      this.#notify();
    });
    input.on('end', () => {
      this.#ended = true;
      this.#notify();
    });
    input.on('error', (error: Error) => {
      this.#error = error;
      this.#notify();
    });
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #contiguous(n: number): Buffer {
    if (this.#chunks[0]!.length < n) this.#chunks = [Buffer.concat(this.#chunks, this.#bytes)];
    return this.#chunks[0]!;
  }

  #consume(n: number): void {
    const head = this.#chunks[0]!;
    if (head.length === n) this.#chunks.shift();
    else this.#chunks[0] = head.subarray(n);
    this.#bytes -= n;
  }

  /** The next frame body, or null at a clean end of input. Throws `FrameError` otherwise. */
  async next(): Promise<string | null> {
    while (true) {
      if (this.#bytes >= FRAME_HEADER_BYTES) {
        const length = this.#contiguous(FRAME_HEADER_BYTES).readUInt32BE(0);
        if (length > this.maxFrameBytes) {
          const message = `frame too large: declared ${length} bytes exceeds ${this.maxFrameBytes}`;
          throw new FrameError('frame_too_large', message, { length, maxFrameBytes: this.maxFrameBytes });
        }
        if (this.#bytes >= FRAME_HEADER_BYTES + length) {
          const buf = this.#contiguous(FRAME_HEADER_BYTES + length);
          const text = buf.toString('utf8', FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + length);
          this.#consume(FRAME_HEADER_BYTES + length);
          return text;
        }
      }
      if (this.#error) throw this.#error;
      if (this.#ended) {
        if (this.#bytes === 0) return null;
        throw new FrameError('truncated', 'input ended inside a frame', { bufferedBytes: this.#bytes });
      }
      const woken = new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#input.resume();
      await woken;
    }
  }
}

/** Write one line to stderr synchronously; never throws (the child must not die silently). */
export function stderrLine(line: string): void {
  writeStderr(Buffer.from(line.endsWith('\n') ? line : `${line}\n`, 'utf8'));
}

/**
 * Write bytes to fd 2 synchronously; never throws. Should fd 2 be non-blocking (user code loaded
 * something that made it so), a full pipe is retried after 1 ms sleeps, for at most
 * STDERR_PATIENCE_MS in all, rather than spinning or losing the line at once.
 */
function writeStderr(buf: Buffer): void {
  let offset = 0;
  for (let waited = 0; offset < buf.length && waited <= STDERR_PATIENCE_MS; ) {
    try {
      offset += fs.writeSync(2, buf, offset, buf.length - offset);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      Atomics.wait(PAUSE, 0, 0, 1);
      waited += 1;
    }
  }
}

/**
 * Send everything written through `console` and `process.stdout` to stderr. stdout carries the
 * frames, which the kit writes to fd 1 directly, so a `console.log` left in an export cannot
 * corrupt the channel. `process.stdout` is replaced before Node opens it, so fd 1 keeps its
 * blocking mode; the replacement writes to fd 2 synchronously.
 */
export function routeStdoutToStderr(): void {
  const toStderr = new Writable({
    write(chunk: Buffer | string, _encoding, callback) {
      writeStderr(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
      callback();
    },
  });
  Object.defineProperty(process, 'stdout', { configurable: true, enumerable: true, get: () => toStderr });
  globalThis.console = new console.Console({ stdout: toStderr, stderr: toStderr });
}
