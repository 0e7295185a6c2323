/** Envelope helpers write the Lean helpers' exact text; the parser applies the original's rules. */
import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/capability/canonical-json.js';
import {
  chunkProgress,
  countChunks,
  diagnostic,
  jsonString,
  metadata,
  parseEnvelope,
  progress,
  rawJson,
  row,
} from '../../src/child/index.js';

describe('envelope helpers', () => {
  it('build the exact envelope text', () => {
    expect(row('rows', { i: 1 })).toBe('{"stream":"rows","payload":{"i":1}}');
    expect(row('rows', rawJson('{ "kept" : true }'))).toBe('{"stream":"rows","payload":{ "kept" : true }}');
    expect(diagnostic('x.started', 'started')).toBe(
      '{"diagnostic":{"code":"x.started","message":"started"}}',
    );
    expect(progress('p', 3)).toBe('{"progress":{"phase":"p","current":3}}');
    expect(progress('p', 3, 9)).toBe('{"progress":{"phase":"p","current":3,"total":9}}');
    expect(chunkProgress('scale.index', 0, 4)).toBe(
      '{"progress":{"phase":"scale.index","current":1,"total":4}}',
    );
    expect(metadata({ ok: true })).toBe('{"metadata":{"ok":true}}');
    expect(countChunks(2, 5)).toBe(3);
    expect(countChunks(0, 5)).toBe(5);
  });

  it('escape strings as Lean Json.compress does', () => {
    expect(jsonString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(jsonString('l1\nl2\r')).toBe('"l1\\nl2\\r"');
    expect(jsonString('tab\there\u0001')).toBe('"tab\\u0009here\\u0001"');
    expect(jsonString('∀ x : ℝ, ⊢ ℕ → ℕ')).toBe('"∀ x : ℝ, ⊢ ℕ → ℕ"');
  });
});

describe('parseEnvelope', () => {
  it('keeps a helper-built row payload byte for byte', () => {
    expect(parseEnvelope('{"stream":"s","payload":{ "a" : 1.50 }}')).toEqual({
      kind: 'row',
      stream: 's',
      payloadJson: '{ "a" : 1.50 }',
    });
    expect(parseEnvelope(row('str\\"eam', [1, '⊢']))).toEqual({
      kind: 'row',
      stream: 'str\\"eam',
      payloadJson: '[1,"⊢"]',
    });
  });

  it('accepts other key orders and spacing', () => {
    expect(parseEnvelope('{ "payload": 2, "stream": "s" }')).toEqual({
      kind: 'row',
      stream: 's',
      payloadJson: '2',
    });
  });

  it('applies precedence diagnostic > progress > metadata > row', () => {
    const all = {
      stream: 's',
      payload: 1,
      metadata: { m: 1 },
      progress: { phase: 'p', current: 1 },
      diagnostic: { code: 'c', message: 'm' },
    };
    expect(parseEnvelope(JSON.stringify(all)).kind).toBe('diagnostic');
    expect(parseEnvelope(JSON.stringify({ ...all, diagnostic: null })).kind).toBe('progress');
    expect(parseEnvelope(JSON.stringify({ ...all, diagnostic: null, progress: null })).kind).toBe('metadata');
    expect(parseEnvelope(JSON.stringify({ stream: 's', payload: 1, metadata: null })).kind).toBe('row');
  });

  it.each([
    ['not JSON', '{"stream":'],
    ['not an object', '[1]'],
    ['empty stream', '{"stream":"","payload":1}'],
    ['missing stream', '{"payload":1}'],
    ['missing payload', '{"stream":"s"}'],
    ['null payload', '{"stream":"s","payload":null}'],
    ['numeric stream', '{"stream":1,"payload":1}'],
    ['diagnostic with empty code', '{"diagnostic":{"code":"","message":"m"}}'],
    ['diagnostic without message', '{"diagnostic":{"code":"c"}}'],
    ['progress without current', '{"progress":{"phase":"p"}}'],
    ['progress with empty phase', '{"progress":{"phase":"","current":1}}'],
    ['progress with negative current', '{"progress":{"phase":"p","current":-1}}'],
    ['progress with a string total', '{"progress":{"phase":"p","current":1,"total":"2"}}'],
    ['a valid diagnostic beside a mistyped stream', '{"diagnostic":{"code":"c","message":"m"},"stream":5}'],
  ])('rejects %s', (_name, text) => {
    expect(parseEnvelope(text).kind).toBe('malformed');
  });

  it('canonicalJson sorts keys at every level', () => {
    expect(canonicalJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}',
    );
  });
});
