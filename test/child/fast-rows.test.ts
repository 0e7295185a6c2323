/** The benchmark producer: row count, size, Unicode and stream spread. */
import { describe, expect, it } from 'vitest';
import { call, startFixture, stream } from './harness.js';

describe('fast-rows fixture', () => {
  it('emits N rows of about 150 bytes with Lean-style Unicode over the requested streams', async () => {
    const child = startFixture('fast-rows');
    await child.handshake();
    child.request(stream('rows', { count: 2000, streams: 3 }));
    const sizes: number[] = [];
    const counts = new Map<string, number>();
    let unicode = 0;
    while (true) {
      const frame = await child.nextFrame();
      const message = JSON.parse(frame.text) as {
        message: { type: string; body: { stream: string; payload: unknown } };
      };
      if (message.message.type === 'response') {
        expect(message.message.body).toMatchObject({
          status: 'stream_complete',
          summary: {
            total_rows: 2000,
            per_stream_counts: { s0: 667, s1: 667, s2: 666 },
            metadata: { rows: 2000 },
          },
        });
        break;
      }
      const payload = JSON.stringify(message.message.body.payload);
      sizes.push(Buffer.byteLength(payload));
      if (/[⊢ℕℝ→∀]/u.test(payload)) unicode += 1;
      counts.set(message.message.body.stream, (counts.get(message.message.body.stream) ?? 0) + 1);
    }
    expect(sizes).toHaveLength(2000);
    const mean = sizes.reduce((a, b) => a + b, 0) / sizes.length;
    expect(mean).toBeGreaterThan(100);
    expect(mean).toBeLessThan(200);
    expect(unicode).toBe(2000);
    expect((await child.call(call('json_command', 'echo', { ping: 1 }))).response).toMatchObject({
      status: 'json_command',
    });
  });
});
