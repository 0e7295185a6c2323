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
  it('sends a run of small rows as their payload texts, other small batches as items text, large rows as objects', async () => {
    const { relay, port } = relayWith();
    const received: RowPortMessage[] = [];
    port.on('message', (m: RowPortMessage) => received.push(m));
    const run = [0, 1, 2].map((sequence) => ({
      stream: 'rows',
      sequence,
      payload: { name: `ℕ.succ_le_${sequence}` },
    }));
    for (const row of run) relay.push(row, 60, JSON.stringify(row.payload));
    relay.flush();
    const small = { stream: 'rows', sequence: 3, payload: { name: 'ℕ.succ_le' } };
    relay.push(small, 60, JSON.stringify(small.payload));
    relay.push({ kind: 'diagnostic', code: 'x.started', message: 'started' }, 40);
    relay.flush();
    const big = { stream: 'rows', sequence: 4, payload: { text: '∀'.repeat(3000) } };
    relay.push(big, 9_100, JSON.stringify(big.payload));
    relay.flush();
    while (received.length < 3) await once(port, 'message');
    const [first, second, third] = received;
    expect(first).toEqual({
      type: 'rows',
      stream: 'rows',
      first: 0,
      text: JSON.stringify(run.map((r) => r.payload)),
    });
    expect(second && 'text' in second && JSON.parse(second.text)).toEqual([
      small,
      { kind: 'diagnostic', code: 'x.started', message: 'started' },
    ]);
    expect(9_100).toBeGreaterThan(TEXT_BATCH_MAX_ROW_BYTES);
    expect(third && 'items' in third && third.items).toEqual([big]);
    relay.close();
    port.close();
  });

  it('sends rows as a run only when they share a stream, follow each other and have their text', async () => {
    const cases: [string, [string, number, boolean][]][] = [
      [
        'two streams',
        [
          ['a', 0, true],
          ['b', 0, true],
        ],
      ],
      [
        'a gap in the sequence',
        [
          ['a', 0, true],
          ['a', 2, true],
        ],
      ],
      [
        'a row without its text',
        [
          ['a', 0, true],
          ['a', 1, false],
        ],
      ],
    ];
    for (const [name, rows] of cases) {
      const { relay, port } = relayWith();
      const items = rows.map(([stream, sequence]) => ({ stream, sequence, payload: { name, sequence } }));
      for (const [i, item] of items.entries()) {
        relay.push(item, 40, rows[i]?.[2] ? JSON.stringify(item.payload) : undefined);
      }
      relay.flush();
      const [message] = (await once(port, 'message')) as [RowPortMessage];
      expect(message.type, name).toBe('batch');
      expect(message.type === 'batch' && 'text' in message && JSON.parse(message.text), name).toEqual(items);
      relay.close();
      port.close();
    }
  });

  it('delivers both forms to a consumer unchanged and in order', async () => {
    const { relay, port } = relayWith();
    const consumer = consumeRowPort(port);
    const rows = [
      { stream: 'a', sequence: 0, payload: { v: 'small' } },
      { stream: 'a', sequence: 1, payload: { v: 'x'.repeat(5_000) } },
      { stream: 'b', sequence: 0, payload: [1, null, { '⊢': true }] },
    ];
    relay.push(rows[0] as never, 50, JSON.stringify(rows[0]?.payload));
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
