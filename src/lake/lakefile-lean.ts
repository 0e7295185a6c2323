/**
 * `lakefile.lean` reader for a declared subset of the Lake DSL. Nothing is evaluated.
 *
 * Understood (a top-level command starts at column 0, outside brackets):
 * - `package NAME` with an optional `where` block or `{ ... }` body; field `srcDir := "dir"`.
 * - `lean_lib NAME` likewise, preceded by `@[default_target]` (same or previous line) or not;
 *   fields `srcDir := "dir"`, `roots := #[`A, `B]`, `globs := #[`A, `A.*, `A.+,
 *   Glob.one `A, Glob.submodules `A, Glob.andSubmodules `A]` (also `.one` etc. and a single
 *   glob without `#[]`). Other fields do not change a library's module set and are skipped.
 * - Skipped without a finding: `import`, `open`, `require`, `set_option`, `namespace`, `section`,
 *   `end`, `lean_exe`, `script`, `target`, `extern_lib`, `input_file`, `input_dir`, and facet and
 *   data declarations: none of them changes which modules a `lean_lib` has.
 *
 * Everything else is a typed diagnostic: an unknown top-level command is a warning (it may
 * define values the parser cannot see); a `package`/`lean_lib` srcDir, roots or globs value that
 * is not a literal of the forms above is an error, since any module set would be a guess.
 */
import {
  CLOSE,
  keeps,
  type LakeToken,
  LakeTokenizer,
  MAX_COMMAND_WARNINGS,
  OPEN,
  splitCommands,
} from './lakefile-lean-tokens.js';
import {
  type LakeDiagnostic,
  type LakefileConfig,
  type LakeGlob,
  type LakeGlobKind,
  type LeanLibDecl,
  lakeFinding,
  rootGlobs,
  unparsedLakefile,
} from './lakefile-types.js';

const SKIPPED = new Set(
  `import open require set_option namespace section end lean_exe script target extern_lib input_file input_dir
  module_facet library_facet package_facet module_data library_data package_data target_data`.split(/\s+/),
);
const GLOB_KINDS: ReadonlySet<string> = new Set<LakeGlobKind>(['one', 'submodules', 'andSubmodules']);

const stripEscapes = (name: string): string => name.replace(/[«»]/g, '');

interface Field {
  readonly name: string;
  readonly value: LakeToken[];
  readonly line: number;
}

/** Fields of a `where` block or `{ }` body; null when the body has another shape. */
function parseFields(body: LakeToken[]): Field[] | null {
  if (body.length === 0) return [];
  let toks: LakeToken[];
  const first = body[0]!;
  if (first.kind === 'ident' && first.text === 'where') toks = body.slice(1);
  else if (first.text === '{' && body[body.length - 1]!.text === '}') toks = body.slice(1, -1);
  else if (first.text === ':=' && body[1]?.text === '{' && body[body.length - 1]!.text === '}')
    toks = body.slice(2, -1);
  else return null;
  const fields: Field[] = [];
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i]!;
    const startsField = depth === 0 && tok.kind === 'ident' && toks[i + 1]?.text === ':=';
    if (startsField) {
      fields.push({ name: tok.text, value: [], line: tok.line });
      i++;
      continue;
    }
    if (depth === 0 && tok.text === ',') continue;
    if (fields.length === 0) return null;
    fields[fields.length - 1]!.value.push(tok);
    if (tok.kind === 'punct' && OPEN.has(tok.text)) depth++;
    else if (tok.kind === 'punct' && CLOSE.has(tok.text)) depth--;
  }
  return fields;
}

/** Split `#[a, b]` (or a bare single item) into item token lists. */
function arrayItems(value: LakeToken[]): LakeToken[][] | null {
  if (value.length === 0) return null;
  if (value[0]!.text !== '#[') return [value];
  if (value[value.length - 1]!.text !== ']') return null;
  const items: LakeToken[][] = [];
  let current: LakeToken[] = [];
  for (const tok of value.slice(1, -1)) {
    if (tok.text === ',') {
      items.push(current);
      current = [];
    } else current.push(tok);
  }
  if (current.length > 0) items.push(current);
  return items.some((item) => item.length === 0) ? null : items;
}

function parseGlob(item: LakeToken[]): LakeGlob | null {
  if (item.length === 1 && item[0]!.kind === 'name') {
    const tok = item[0]!;
    const kind: LakeGlobKind =
      tok.globSuffix === '.*' ? 'andSubmodules' : tok.globSuffix === '.+' ? 'submodules' : 'one';
    return { kind, module: stripEscapes(tok.text) };
  }
  let rest = item;
  if (rest[0]?.text === '.' && rest.length === 3) rest = rest.slice(1);
  if (rest.length === 2 && rest[0]!.kind === 'ident' && rest[1]!.kind === 'name' && !rest[1]!.globSuffix) {
    // `one`, `Glob.one` (and `.one`, dropped above) name the same constructor.
    const kind = rest[0]!.text.replace(/^Glob\./, '');
    if (GLOB_KINDS.has(kind)) return { kind: kind as LakeGlobKind, module: stripEscapes(rest[1]!.text) };
  }
  return null;
}

/** Parse the text of a `lakefile.lean`; `file` is used in diagnostics only. */
export function parseLakefileLean(text: string, file: string): LakefileConfig {
  const diagnostics: LakeDiagnostic[] = [];
  const leanLibs: LeanLibDecl[] = [];
  const defaultTargets: string[] = [];
  let packageName: string | null = null;
  let packageSrcDir = '.';
  const report = (severity: 'error' | 'warning', subject: string, line: number, message: string): void => {
    diagnostics.push(lakeFinding('lakefile-unsupported', message, { path: file, line, subject }, severity));
  };

  const tokenizer = new LakeTokenizer(text);
  let unsupported = 0;

  let pendingAttrs: string[] = [];
  for (const command of splitCommands(tokenizer)) {
    let toks = command.tokens;
    const attrs = pendingAttrs;
    pendingAttrs = [];
    if (toks[0]!.text === '@[') {
      const close = toks.findIndex((t) => t.text === ']');
      if (close < 0) {
        report('warning', '@[', toks[0]!.line, 'unterminated attribute list');
        continue;
      }
      for (const t of toks.slice(1, close)) if (t.kind === 'ident') attrs.push(t.text);
      toks = toks.slice(close + 1);
      if (toks.length === 0) {
        pendingAttrs = attrs;
        continue;
      }
    }
    const head = toks[0]!;
    if (head.kind === 'ident' && SKIPPED.has(head.text)) {
      if (attrs.includes('default_target') && toks[1]) defaultTargets.push(stripEscapes(toks[1].text));
      continue;
    }
    if (!keeps(head)) {
      if (++unsupported <= MAX_COMMAND_WARNINGS) {
        const shown = head.text.length > 80 ? `${head.text.slice(0, 80)}…` : head.text;
        report('warning', shown, head.line, `unsupported top-level command \`${shown}\` in lakefile.lean`);
      }
      continue;
    }
    if (command.truncated) {
      report('error', head.text, head.line, `\`${head.text}\` is too long for the lakefile reader`);
      continue;
    }
    const nameTok = toks[1];
    if (nameTok === undefined || (nameTok.kind !== 'ident' && nameTok.kind !== 'string')) {
      report('error', head.text, head.line, `\`${head.text}\` without a name`);
      continue;
    }
    const name = stripEscapes(nameTok.text);
    const fields = parseFields(toks.slice(2));
    if (fields === null) {
      const message = `\`${head.text} ${name}\` has a body the lakefile reader does not understand`;
      report('error', name, head.line, message);
      continue;
    }
    const field = (key: string): Field | undefined => fields.find((f) => f.name === key);
    const srcDirOf = (f: Field | undefined): string | null => {
      if (f === undefined) return '.';
      if (f.value.length === 1 && f.value[0]!.kind === 'string') return f.value[0]!.text;
      report('error', name, f.line, `${name}: srcDir is not a string literal`);
      return null;
    };
    const srcDir = srcDirOf(field('srcDir'));
    if (head.text === 'package') {
      packageName = name;
      packageSrcDir = srcDir ?? '.';
      continue;
    }
    let roots: string[] | null = [name];
    const rootsField = field('roots');
    if (rootsField) {
      const items = arrayItems(rootsField.value);
      const ok = items?.every((it) => it.length === 1 && it[0]!.kind === 'name' && !it[0]!.globSuffix);
      roots = ok ? items!.map((it) => stripEscapes(it[0]!.text)) : null;
      if (!ok) report('error', name, rootsField.line, `${name}: roots is not an array of name literals`);
    }
    let globs: LakeGlob[] | null = rootGlobs(roots ?? []);
    const globsField = field('globs');
    if (globsField) {
      const parsed = arrayItems(globsField.value)?.map(parseGlob) ?? null;
      globs = parsed?.every((g) => g !== null) ? (parsed as LakeGlob[]) : null;
      if (globs === null)
        report('error', name, globsField.line, `${name}: globs is not an array of glob literals`);
    }
    if (srcDir === null || roots === null || globs === null) continue;
    const isDefaultTarget = attrs.includes('default_target');
    if (isDefaultTarget) defaultTargets.push(name);
    leanLibs.push({ name, srcDir, roots, globs, isDefaultTarget });
  }
  if (tokenizer.error) {
    // Nothing read from a lakefile that does not tokenize is trusted.
    const { message, line } = tokenizer.error;
    return unparsedLakefile('lean', lakeFinding('lakefile-syntax', message, { path: file, line }));
  }
  const more = unsupported - MAX_COMMAND_WARNINGS;
  if (more > 0) report('warning', 'lakefile.lean', 0, `${more} more unsupported top-level commands`);
  return { format: 'lean', packageName, packageSrcDir, leanLibs, defaultTargets, diagnostics };
}
