/**
 * Checks of message bodies without zod, for both directions: zod and the compiled schemas cost a
 * thread about 7 MiB of heap, which every worker of a pool pays. Each check accepts exactly what
 * the protocol's zod schema (kept in `test/protocol/wire-schemas.ts`; `wire-checks.test.ts` holds
 * the two to that, value by value) accepts and returns the same value: objects rebuilt in schema
 * order with unknown keys dropped, `unknown` values as given. The encoders use that order for the
 * wire, and the body types of `messages.ts` are what these checks give.
 */
import { FrameError } from './codec.js';
import { IMPORT_PROFILES } from './constants.js';

/** A check: the value to pass on, or a thrown {@link CheckFailure}. */
export type Check<T> = (value: unknown) => T;
/** What a check passes on. */
export type Checked<C> = C extends Check<infer T> ? T : never;

/** Where a value failed its check (keys and indexes from the body down) and what was expected. */
export class CheckFailure extends Error {
  override readonly name = 'CheckFailure';
  readonly path: (string | number)[] = [];
  constructor(readonly expected: string) {
    super(`expected ${expected}`);
  }

  /** `body.summary.total_rows: expected ...`. */
  describe(root: string): string {
    const at = this.path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`)).join('');
    return `${root}${at}: expected ${this.expected}`;
  }
}

const fail = (expected: string): never => {
  throw new CheckFailure(expected);
};

/** Run `check` on a member; a failure below names the member's key. */
function member<T>(check: Check<T>, value: unknown, key: string | number): T {
  try {
    return check(value);
  } catch (error) {
    if (error instanceof CheckFailure) error.path.unshift(key);
    throw error;
  }
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const str: Check<string> = (v) => (typeof v === 'string' ? v : fail('a string'));
const bool: Check<boolean> = (v) => (typeof v === 'boolean' ? v : fail('a boolean'));
const int: Check<number> = (v) => (Number.isSafeInteger(v) ? (v as number) : fail('a safe integer'));
function uint(max: number): Check<number> {
  return (v) =>
    Number.isSafeInteger(v) && (v as number) >= 0 && (v as number) <= max
      ? (v as number)
      : fail(`an integer in [0, ${max}]`);
}
const u64 = uint(Number.MAX_SAFE_INTEGER);
const u8 = uint(255);
/** Any value but a missing one (an object key must be present, as in zod). */
const unknown: Check<unknown> = (v) => (v === undefined ? fail('a value') : v);

function nullable<T>(check: Check<T>): Check<T | null> {
  return (v) => (v === null ? null : check(v));
}

function oneOf<T extends string>(...values: readonly T[]): Check<T> {
  return (v) => (values.includes(v as T) ? (v as T) : fail(`one of ${values.join(', ')}`));
}

function literal<T extends string>(value: T): Check<T> {
  return (v) => (v === value ? value : fail(JSON.stringify(value)));
}

const array =
  <T>(check: Check<T>): Check<T[]> =>
  (v) => {
    if (!Array.isArray(v)) return fail('an array');
    const out: T[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) out[i] = member(check, v[i], i);
    return out;
  };

/** String keys to checked values; a `__proto__` key is skipped unchecked, as zod skips it. */
const record =
  <T>(check: Check<T>): Check<Record<string, T>> =>
  (v) => {
    if (!isPlainObject(v)) return fail('an object');
    const out: Record<string, T> = {};
    for (const key of Object.keys(v)) if (key !== '__proto__') out[key] = member(check, v[key], key);
    return out;
  };

type Shape = Readonly<Record<string, Check<unknown>>>;
type Out<S> = { -readonly [K in keyof S]: S[K] extends Check<infer T> ? T : never };

/** The keys of `shape` in its order, each checked; other keys are dropped. */
const object = <S extends Shape>(shape: S): Check<Out<S>> => {
  const keys = Object.keys(shape);
  const checks = keys.map((k) => shape[k] as Check<unknown>);
  return (v) => {
    if (!isPlainObject(v)) return fail('an object');
    const out: Record<string, unknown> = {};
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      out[key] = member(checks[i] as Check<unknown>, v[key], key);
    }
    return out as Out<S>;
  };
};

/** The variant of each tag: the tag under its key, then the variant's own shape. */
type Variants<K extends string, V> = { [T in keyof V]: Out<{ [P in K]: Check<T & string> } & V[T]> }[keyof V];

/** Objects told apart by the string in `key`, each checked by its own shape (the tag first). */
const tagged = <K extends string, V extends Readonly<Record<string, Shape>>>(
  key: K,
  variants: V,
): Check<Variants<K, V>> => {
  const tags = oneOf(...Object.keys(variants));
  const checks: Record<string, Check<unknown>> = {};
  for (const [tag, shape] of Object.entries(variants))
    checks[tag] = object({ [key]: literal(tag), ...shape });
  return (v) => {
    if (!isPlainObject(v)) return fail('an object');
    return (checks[member(tags, v[key], key)] as Check<unknown>)(v) as Variants<K, V>;
  };
};

const importStats = object({
  direct_import_names: array(str),
  effective_module_count: u64,
  compacted_region_count: u64,
  memory_mapped_region_count: u64,
  compacted_region_bytes: u64,
  memory_mapped_region_bytes: u64,
  non_memory_mapped_region_bytes: u64,
  imported_bytes: u64,
  imported_constant_count: u64,
  extension_count: u64,
  total_imported_extension_entries: u64,
  import_level: str,
  import_all: bool,
  load_exts: bool,
});

const nameVersion = object({ name: str, version: str });

const capabilityMetadata = object({
  commands: array(nameVersion),
  capabilities: array(nameVersion),
  lean_version: nullable(str),
  extra: nullable(unknown),
});

const doctorReport = object({
  diagnostics: array(
    object({
      severity: oneOf('pass', 'warning', 'error'),
      code: str,
      message: str,
      details: nullable(unknown),
    }),
  ),
  metadata: nullable(unknown),
});

const streamSummary = object({
  total_rows: u64,
  per_stream_counts: record(u64),
  elapsed_micros: u64,
  metadata: nullable(unknown),
});

const response = tagged('status', {
  health_ok: {},
  host_session_opened: { import_stats: importStats },
  host_session_reused: { import_stats: importStats },
  stream_complete: { summary: streamSummary },
  stream_export_failed: { status_byte: u8 },
  stream_callback_failed: { status_byte: u8, description: str },
  stream_row_malformed: { message: str },
  capability_metadata: { metadata: capabilityMetadata },
  capability_doctor: { report: doctorReport },
  capability_metadata_malformed: { message: str },
  capability_doctor_malformed: { message: str },
  json_command: { response_json: str },
  rows_complete: { count: u64 },
  terminating: {},
  error: { code: str, message: str },
});

/** The checks of every child-to-parent body (canonically written rows take `RowFrameReader` instead). */
export const childBodyChecks = {
  handshake: object({ worker_version: str, protocol_version: int }),
  data_row: object({ stream: str, sequence: u64, payload: unknown }),
  response,
  diagnostic: object({ code: str, message: str }),
  progress_tick: object({ phase: str, current: u64, total: nullable(u64) }),
  fatal_exit: object({ status: str, stderr: str }),
};

const hostSessionMode = tagged('kind', {
  capability: { package: str, lib_name: str, manifest_path: nullable(str) },
  shims_only: {},
});
const exportCall = { export: str, request_json: str };

/** The checks of every parent-to-child body. */
export const parentBodyChecks = {
  configure_frame_limit: object({ max_frame_bytes: uint(0xffff_ffff) }),
  request: tagged('op', {
    health: {},
    open_host_session: {
      project_root: str,
      mode: hostSessionMode,
      imports: array(str),
      import_profile: oneOf(...IMPORT_PROFILES),
    },
    run_data_stream: { ...exportCall, progress: bool },
    json_command: exportCall,
    capability_metadata: exportCall,
    capability_doctor: exportCall,
    terminate: {},
  }),
};

/** `body` as `check` gives it; throws `FrameError` (`invalid_message`) when it fails the check. */
export function checkBody<T>(type: string, check: Check<T>, body: unknown): T {
  try {
    return check(body);
  } catch (error) {
    if (!(error instanceof CheckFailure)) throw error;
    const message = `invalid ${type} message: ${error.describe('body')}`;
    throw new FrameError('invalid_message', message, { messageType: type });
  }
}
