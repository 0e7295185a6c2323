import { describe, expect, it } from 'vitest';
import { errorFromWire, ProtocolError } from '../../src/errors.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { encodeReplRequest, ReplResponseDecoder } from '../../threads/repl/codec.js';
import type { ReplRequest } from '../../threads/repl/schemas.js';

// Two responses as the real repl prints them: Lean-style pretty JSON, each followed by a blank line.
const PRETTY = [
  '{"sorries":',
  ' [{"proofState": 0,',
  '   "pos": {"line": 1, "column": 18},',
  '   "goal": "⊢ Nat",',
  '   "endPos": {"line": 1, "column": 23}}],',
  ' "messages":',
  ' [{"severity": "warning",',
  '   "pos": {"line": 1, "column": 4},',
  '   "endPos": {"line": 1, "column": 5},',
  '   "data": "declaration uses `sorry`"}],',
  ' "env": 0}',
  '',
  '{"proofStatus": "Completed", "proofState": 1, "goals": []}',
  '',
  '',
].join('\n');

function decodeAll(decoder: ReplResponseDecoder, bytes: Buffer, step: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < bytes.length; i += step) {
    const { responses, error } = decoder.push(bytes.subarray(i, i + step));
    if (error) throw error;
    out.push(...responses.map((r) => r.value));
  }
  return out;
}

describe('encodeReplRequest', () => {
  it('writes compact JSON and one blank line, with newlines in strings escaped', () => {
    const bytes = encodeReplRequest({ cmd: 'def f := 1\n\ndef g := 2', env: 3 });
    const text = bytes.toString('utf8');
    expect(text.endsWith('}\n\n')).toBe(true);
    expect(text.slice(0, -2)).not.toContain('\n');
    expect(JSON.parse(text)).toEqual({ cmd: 'def f := 1\n\ndef g := 2', env: 3 });
  });

  it('encodes every request kind', () => {
    const requests: ReplRequest[] = [
      { cmd: 'import Mathlib' },
      { path: 'A.lean', allTactics: true },
      { tactic: 'rfl', proofState: 0 },
      { pickleTo: 'a.olean', env: 1 },
      { pickleTo: 'p.olean', proofState: 2 },
      { unpickleEnvFrom: 'a.olean' },
      { unpickleProofStateFrom: 'p.olean', env: 1 },
    ];
    for (const r of requests) expect(JSON.parse(encodeReplRequest(r).toString())).toEqual(r);
  });

  it('refuses a value that is not a request with REQUEST_ENCODE', () => {
    const bad = { cmd: 'x', env: -1 } as unknown as ReplRequest;
    expect(() => encodeReplRequest(bad)).toThrow(
      expect.objectContaining({ wire: expect.objectContaining({ code: ErrorCode.REQUEST_ENCODE }) }),
    );
    const unknown = { command: 'x' } as unknown as ReplRequest;
    expect(() => encodeReplRequest(unknown)).toThrow(
      expect.objectContaining({ wire: expect.objectContaining({ code: ErrorCode.REQUEST_ENCODE }) }),
    );
  });
});

describe('ReplResponseDecoder', () => {
  const bytes = Buffer.from(PRETTY, 'utf8');
  const expected = [
    {
      sorries: [
        { proofState: 0, pos: { line: 1, column: 18 }, goal: '⊢ Nat', endPos: { line: 1, column: 23 } },
      ],
      messages: [
        {
          severity: 'warning',
          pos: { line: 1, column: 4 },
          endPos: { line: 1, column: 5 },
          data: 'declaration uses `sorry`',
        },
      ],
      env: 0,
    },
    { proofStatus: 'Completed', proofState: 1, goals: [] },
  ];

  it('splits multi-line responses at blank lines whatever the chunk size (multi-byte UTF-8 included)', () => {
    for (let step = 1; step <= bytes.length; step++) {
      expect(decodeAll(new ReplResponseDecoder(), bytes, step)).toEqual(expected);
    }
  });

  it('skips leading and repeated blank lines and accepts CRLF line ends', () => {
    const crlf = Buffer.from(`\n\r\n  \n${PRETTY.replaceAll('\n', '\r\n')}\r\n\r\n`, 'utf8');
    expect(decodeAll(new ReplResponseDecoder(), crlf, 7)).toEqual(expected);
  });

  it('reports the size of each response and whether one is incomplete', () => {
    const decoder = new ReplResponseDecoder();
    const first = decoder.push(Buffer.from('{"env": 0}\n\n{"env"'));
    expect(first.responses).toEqual([{ value: { env: 0 }, bytes: 12 }]);
    expect(decoder.midResponse).toBe(true);
    expect(decoder.bufferedBytes).toBe(6);
    decoder.push(Buffer.from(': 1}\n\n'));
    expect(decoder.midResponse).toBe(false);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it('fails with FRAME_TOO_LARGE as soon as one response passes the cap, before its end arrives', () => {
    const decoder = new ReplResponseDecoder(64);
    const ok = decoder.push(Buffer.from('{"env": 0}\n\n'));
    expect(ok.error).toBeUndefined();
    const first = decoder.push(Buffer.from(`{"messages": [{"data": "${'x'.repeat(40)}`));
    expect(first.error).toBeUndefined();
    const second = decoder.push(Buffer.from('x'.repeat(40)));
    expect(second.error?.wire.code).toBe(ErrorCode.FRAME_TOO_LARGE);
    expect(second.error?.wire.facts).toMatchObject({ maxResponseBytes: 64 });
    // The decoder stays failed.
    expect(decoder.push(Buffer.from('{"env": 1}\n\n')).error?.wire.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('counts a response that arrives whole in one chunk against the cap too', () => {
    const decoder = new ReplResponseDecoder(16);
    const { responses, error } = decoder.push(Buffer.from(`{"env": 0}\n\n{"data": "${'y'.repeat(30)}"}\n\n`));
    expect(responses).toHaveLength(1);
    expect(error?.wire.code).toBe(ErrorCode.FRAME_TOO_LARGE);
  });

  it('fails with PROTOCOL (invalid_json) on text that is not JSON, keeping responses decoded before it', () => {
    const decoder = new ReplResponseDecoder();
    const { responses, error } = decoder.push(
      Buffer.from('{"env": 0}\n\nuncaught exception: oops\n\n{"env": 1}\n\n'),
    );
    expect(responses.map((r) => r.value)).toEqual([{ env: 0 }]);
    expect(error?.wire.code).toBe(ErrorCode.PROTOCOL);
    expect(error?.wire.facts).toMatchObject({ kind: 'invalid_json' });
    expect(decoder.error).toBe(error);
    // On the main thread it is the library's class, its facts and the parser's error as cause.
    const rebuilt = errorFromWire(error!.wire);
    expect(rebuilt).toBeInstanceOf(ProtocolError);
    expect(rebuilt.facts).toEqual(error!.wire.facts);
    expect(rebuilt.cause).toMatchObject({ name: 'SyntaxError' });
  });
});
