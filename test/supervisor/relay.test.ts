import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { RowPortMessage } from '../../src/protocol/port-messages.js';
import { consumeRowPort } from '../../src/stream/lean-worker-stream.js';
import { DEFAULT_RELAY_OPTIONS, RowRelay, TEXT_BATCH_MAX_ROW_BYTES } from '../../threads/relay.js';

const hooks = { pause() {}, resume() {}, consumerClosed() {} };
const ok = {
  ok: true as const,
  generation: 0,
  response: { status: 'health_ok' as const },
  stats: undefined as never,
};

function relayWith() {
  const channel = new MessageChannel();
  const relay = new RowRelay(channel.port2, DEFAULT_RELAY_OPTIONS, hooks);
  return { relay, port: channel.port1 };
}

describe('row relay batches', () => {
  it('sends small rows as the JSON text they arrived in, large rows as objects', async () => {
    const { relay, port } = relayWith();
    const received: RowPortMessage[] = [];
    port.on('message', (m: RowPortMessage) => received.push(m));
    const small = { stream: 'rows', sequence: 0, payload: { name: 'ℕ.succ_le' } };
    relay.push(small, 60, JSON.stringify(small));
    relay.push({ kind: 'diagnostic', code: 'x.started', message: 'started' }, 40);
    relay.flush();
    const big = { stream: 'rows', sequence: 1, payload: { text: '∀'.repeat(3000) } };
    relay.push(big, 9_100, JSON.stringify(big));
    relay.flush();
    await once(port, 'message');
    while (received.length < 2) await once(port, 'message');
    const [first, second] = received;
    expect(first && 'text' in first && JSON.parse(first.text)).toEqual([
      small,
      { kind: 'diagnostic', code: 'x.started', message: 'started' },
    ]);
    expect(9_100).toBeGreaterThan(TEXT_BATCH_MAX_ROW_BYTES);
    expect(second && 'items' in second && second.items).toEqual([big]);
    relay.close();
    port.close();
  });

  it('delivers both forms to a consumer unchanged and in order', async () => {
    const { relay, port } = relayWith();
    const consumer = consumeRowPort(port);
    const rows = [
      { stream: 'a', sequence: 0, payload: { v: 'small' } },
      { stream: 'a', sequence: 1, payload: { v: 'x'.repeat(5_000) } },
      { stream: 'b', sequence: 0, payload: [1, null, { '⊢': true }] },
    ];
    relay.push(rows[0] as never, 50, JSON.stringify(rows[0]));
    relay.flush();
    relay.push(rows[1] as never, 5_060);
    relay.flush();
    relay.push(rows[2] as never, 50);
    relay.end({ ...ok, stats: { rowsDelivered: 3 } as never });
    const seen = [];
    for await (const row of consumer) seen.push(row);
    expect(seen).toEqual(rows);
  });
});
