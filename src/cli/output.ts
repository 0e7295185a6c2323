/**
 * The CLI's standard streams when their reader may go away (`lean-worker plan ... | head -1`):
 * a write to a closed pipe fails with EPIPE, which Node reports as an `error` event that would end
 * the process with a stack trace. Here it marks the stream closed instead; later writes are
 * dropped, the command finishes (closing its pool and reaping its children), and the process
 * exits quietly with {@link EXIT_OUTPUT_CLOSED}.
 */

/** Exit status when stdout's reader went away: 128 + SIGPIPE, as shells report a piped-off process. */
export const EXIT_OUTPUT_CLOSED = 141;

/** A stream the CLI writes to. */
interface OutStream {
  write(text: string): unknown;
  on(event: 'error', listener: (error: NodeJS.ErrnoException) => void): unknown;
  readonly destroyed: boolean;
  readonly writableEnded: boolean;
}

/** A stream's text sink that drops writes once the stream's reader is gone. */
export interface GuardedOutput {
  readonly stream: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  /** The reader went away (or writing failed): what was written since may be lost. */
  readonly closed: boolean;
}

/** Guard `stream`: EPIPE (and any other write failure) closes it quietly. */
export function guardOutput(
  stream: OutStream & { readonly isTTY?: boolean; readonly columns?: number },
): GuardedOutput {
  let closed = false;
  stream.on('error', () => {
    closed = true;
  });
  const gone = (): boolean => closed || stream.destroyed || stream.writableEnded;
  return {
    stream: {
      write: (text: string) => (gone() ? false : stream.write(text)),
      get isTTY() {
        return stream.isTTY;
      },
      get columns() {
        return stream.columns;
      },
    },
    get closed() {
      return gone();
    },
  };
}
