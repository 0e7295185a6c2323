/**
 * A lakefile's text read by the reader of its format, each loaded on first use: the TOML reader
 * brings smol-toml and the Lean reader its tokenizer, and neither is needed to import the package
 * or to construct a builder.
 */
import type { LakefileConfig } from './lakefile-types.js';

/** Parse a `lakefile.toml` or `lakefile.lean` (by the name of `file`, used in diagnostics too). */
export async function parseLakefile(text: string, file: string): Promise<LakefileConfig> {
  if (file.endsWith('.toml')) {
    const { parseLakefileToml } = await import('./lakefile-toml.js');
    return parseLakefileToml(text, file);
  }
  const { parseLakefileLean } = await import('./lakefile-lean.js');
  return parseLakefileLean(text, file);
}
