import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFrameLimit, parseRequest } from '../../src/child/parse-request.js';
import { configureFrameLimitSchema, requestSchema } from '../protocol/wire-schemas.js';

const viaZod = (body: unknown) => {
  const parsed = requestSchema.safeParse(body);
  return parsed.success ? parsed.data : null;
};

const loose = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.integer(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 }),
  fc.constant(undefined),
);
const mode = fc.oneof(
  fc.record({ kind: fc.constant('shims_only'), extra: loose }, { requiredKeys: ['kind'] }),
  fc.record(
    {
      kind: fc.constantFrom('capability', 'other'),
      package: fc.oneof(fc.string(), loose),
      lib_name: fc.oneof(fc.string(), loose),
      manifest_path: fc.oneof(fc.constant(null), fc.string(), loose),
    },
    { requiredKeys: ['kind'] },
  ),
  loose,
);
const body = fc.record(
  {
    op: fc.constantFrom(
      'health',
      'terminate',
      'open_host_session',
      'run_data_stream',
      'json_command',
      'capability_metadata',
      'capability_doctor',
      'nope',
    ),
    project_root: fc.oneof(fc.string(), loose),
    mode,
    imports: fc.oneof(fc.array(fc.string(), { maxLength: 3 }), loose),
    import_profile: fc.oneof(
      fc.constantFrom('exported-public', 'server', 'private', 'full-private-compat'),
      loose,
    ),
    export: fc.oneof(fc.string(), loose),
    request_json: fc.oneof(fc.string(), loose),
    progress: fc.oneof(fc.boolean(), loose),
    unknown_key: loose,
  },
  { requiredKeys: [] },
);

describe('the child kit reads parent frames without zod', () => {
  it('accepts and drops keys exactly as the protocol schema does', () => {
    fc.assert(
      fc.property(fc.oneof(body, loose), (b) => {
        expect(parseRequest(b)).toEqual(viaZod(b));
      }),
      { numRuns: 2_000 },
    );
  });

  it('reads max_frame_bytes exactly as the protocol schema does', () => {
    const values = [0, 1, 65_536, 0xffff_ffff, 0x1_0000_0000, -1, 1.5, Number.NaN, '8', null, undefined];
    for (const max_frame_bytes of values) {
      const parsed = configureFrameLimitSchema.safeParse({ max_frame_bytes });
      expect(parseFrameLimit({ max_frame_bytes })).toBe(parsed.success ? parsed.data.max_frame_bytes : null);
    }
    expect(parseFrameLimit(null)).toBeNull();
  });
});
