/**
 * Wire a {@link ReplSession} to a started child process's pipes. The caller spawns, owns and
 * kills the child; this only forwards stdout, keeps a stderr tail for error reports, and reports
 * the exit.
 */
import type { Readable, Writable } from 'node:stream';
import { ReplSession, type ReplSessionOptions } from '../../threads/repl/session.js';

/** The parts of a `ChildProcess` a session needs. */
export interface ReplChildPipes {
  readonly stdin: Writable | null;
  readonly stdout: Readable | null;
  readonly stderr?: Readable | null;
  once(event: 'close', listener: (code: number | null, signal: NodeJS.Signals | null) => void): unknown;
}

/** Options of {@link connectReplChild}. */
export interface ConnectReplOptions extends Omit<ReplSessionOptions, 'write'> {
  /** Bytes of stderr kept for error reports; default 8 KiB. */
  readonly stderrTailBytes?: number;
}

/** Create a session that talks to `child` over its stdin/stdout. */
export function connectReplChild(child: ReplChildPipes, options: ConnectReplOptions = {}): ReplSession {
  const { stdin, stdout } = child;
  if (stdin === null || stdout === null) throw new TypeError('the repl child needs piped stdin and stdout');
  const tailBytes = options.stderrTailBytes ?? 8192;
  let tail = Buffer.alloc(0);
  const session = new ReplSession({
    ...options,
    write: (bytes) => {
      stdin.write(bytes);
    },
  });
  // A write to an exited child fails with EPIPE; the exit is reported by `close` below.
  stdin.on('error', () => undefined);
  stdout.on('data', (chunk: Buffer) => session.feed(chunk));
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = Buffer.concat([tail, chunk]);
    if (tail.length > tailBytes) tail = tail.subarray(tail.length - tailBytes);
  });
  child.once('close', (code, signal) => {
    session.end({ exitCode: code, signal, stderrTail: tail.toString('utf8') });
  });
  return session;
}
