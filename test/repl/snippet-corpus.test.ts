/** The generated corpus is deterministic and its expectations hold on the fake repl. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CorpusSnippet, generateCorpus } from '../../fixtures/repl/snippet-corpus.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import type { ReplMessageRow, ReplSorryRow } from '../../src/protocol/repl-rows.js';
import type { ReplSession } from '../../threads/repl/session.js';
import { fakeSession, killAndReap, requireBuiltFake } from './fake-child.js';

const GENERATOR_JS = fileURLToPath(new URL('../../dist/fixtures/repl/generate-snippets.js', import.meta.url));

describe('generateCorpus', () => {
  const corpus = generateCorpus();

  it('makes 500 snippets over 5 session keys with every outcome present', () => {
    expect(corpus.snippets).toHaveLength(500);
    expect(corpus.sessionKeys).toHaveLength(5);
    const outcomes = new Set(corpus.snippets.map((s) => s.expected.outcome));
    expect([...outcomes].sort()).toEqual(['crash', 'errors', 'hang', 'ok', 'sorries']);
    for (const s of corpus.snippets) {
      expect(s.expected.ok).toBe(s.expected.errors.length === 0);
      if (s.expected.outcome === 'errors') expect(s.expected.errors.length).toBeGreaterThan(0);
      if (s.expected.outcome === 'sorries') expect(s.expected.sorries.length).toBeGreaterThan(0);
    }
  });

  it('is deterministic for a seed and differs between seeds', () => {
    expect(generateCorpus(50, 7)).toEqual(generateCorpus(50, 7));
    expect(generateCorpus(50, 7).snippets.map((s) => s.text)).not.toEqual(
      generateCorpus(50, 8).snippets.map((s) => s.text),
    );
  });

  it('is what the command line writes', () => {
    requireBuiltFake();
    const out = execFileSync(process.execPath, [GENERATOR_JS, '--count', '20', '--seed', '3'], {
      encoding: 'utf8',
    });
    expect(JSON.parse(out)).toEqual(generateCorpus(20, 3));
  });
});

function positions(rows: { stream: string; payload: unknown }[], severity: string | null) {
  return rows
    .filter((r) => (severity === null ? r.stream === 'sorries' : r.stream === 'messages'))
    .map((r) => r.payload as ReplMessageRow & ReplSorryRow)
    .filter((p) => severity === null || p.severity === severity)
    .map((p) => p.pos);
}

describe('corpus expectations on the fake repl', () => {
  it('hold for every snippet, one worker per session key, a new worker after a crash or hang', {
    timeout: 60_000,
  }, async () => {
    // The first 250 of the default corpus: every key and every outcome, at half the run time.
    const corpus = generateCorpus();
    const snippets = corpus.snippets.slice(0, 250);
    expect(new Set(snippets.map((s) => s.expected.outcome)).size).toBe(5);
    for (const key of corpus.sessionKeys) {
      let worker: ReturnType<typeof fakeSession> | undefined;
      for (const snippet of snippets.filter((s: CorpusSnippet) => s.sessionKey === key)) {
        worker ??= fakeSession();
        const session: ReplSession = worker.session;
        const { outcome } = snippet.expected;
        if (outcome === 'crash' || outcome === 'hang') {
          const failure = await session.run(snippet.text, { timeoutMs: 300 }).catch((e: unknown) => e);
          expect(failure, snippet.id).toMatchObject({
            wire: { code: outcome === 'crash' ? ErrorCode.CHILD_CRASH : ErrorCode.TIMEOUT },
          });
          await killAndReap(worker.child);
          worker = undefined;
          continue;
        }
        const { rows, summary } = await session.run(snippet.text);
        expect(summary.metadata.ok, snippet.id).toBe(snippet.expected.ok);
        expect(positions(rows, 'error'), snippet.id).toEqual(snippet.expected.errors);
        expect(positions(rows, 'warning'), snippet.id).toEqual(snippet.expected.warnings);
        expect(positions(rows, null), snippet.id).toEqual(snippet.expected.sorries);
      }
    }
  });
});
