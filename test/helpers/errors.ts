/** The error `run` rejects with; fails the test when it resolves. */
export async function caughtError(
  run: () => Promise<unknown>,
): Promise<{ code: string; facts: Record<string, unknown> }> {
  try {
    await run();
  } catch (err) {
    return err as { code: string; facts: Record<string, unknown> };
  }
  throw new Error('expected the call to fail');
}
