import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOnPath } from '../../src/capability/child-locator.js';
import { discoverToolchain } from '../../src/capability/toolchain.js';

const hasLake = findOnPath('lake', process.env.PATH) !== null;
const hasLean = findOnPath('lean', process.env.PATH) !== null;
const projects = path.resolve(import.meta.dirname, '../../fixtures/lake/projects');

describe('real Lean toolchain', () => {
  // Needs `lean` on PATH (elan or a toolchain install); this machine may have none.
  it.skipIf(!hasLean)('discovers the sysroot with lean --print-prefix', async () => {
    const facts = await discoverToolchain({
      projectRoot: projects,
      leanCommand: 'lean',
      parentEnv: { PATH: process.env.PATH, HOME: process.env.HOME },
      timeoutMs: 60_000,
    });
    expect(facts.sysroot).not.toBeNull();
    expect(facts.leanVersion).toMatch(/Lean/);
  });

  // Needs `lake` on PATH; builds nothing, only checks that Lake answers.
  it.skipIf(!hasLake)('lake answers --version', () => {
    expect(execFileSync('lake', ['--version'], { encoding: 'utf8' })).toMatch(/Lake/);
  });
});
