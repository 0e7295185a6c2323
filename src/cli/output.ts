/**
 * The CLI's standard streams when their reader may go away (`lean-worker plan ... | head -1`):
 * a write to a closed pipe fails with EPIPE, which Node reports as an `error` event that would end
 * the process with a stack trace. Here it marks the stream closed instead; later writes are
 * dropped, the command finishes (closing its pool and reaping its children), and the process
 * exits quietly with {@link EXIT_OUTPUT_CLOSED}.
 */

/** Exit status when stdout's reader went away: 128 + SIGPIPE, as shells report a piped-off process. */
export const EXIT_OUTPUT_CLOSED = 141;

/** Guard `stream`: EPIPE (and any other write failure) closes it quietly. */
export function guardOutput(stream: NodeJS.WriteStream) {
  let failed = false;
  stream.on('error', () => {
    failed = true;
  });
  /** The reader went away (or writing failed): what was written since may be lost. */
  const closed = (): boolean => failed || stream.destroyed || stream.writableEnded;
  return {
    closed,
    /** The stream's text sink: drops writes once the stream's reader is gone. */
    stream: {
      write: (text: string) => (closed() ? false : stream.write(text)),
      get isTTY() {
        return stream.isTTY;
      },
      get columns() {
        return stream.columns;
      },
    },
  };
}
