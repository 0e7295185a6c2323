import { describe, expect, it } from 'vitest';
import { compareMetadata, metadataMatches } from '../../src/capability/metadata.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';

describe('metadata comparison', () => {
  const meta = {
    commands: [
      { name: 'a', version: '1' },
      { name: 'b', version: '2' },
    ],
    capabilities: [{ name: 'c', version: '1' }],
    lean_version: '4.22.0',
    extra: { k: [1, 2] },
  };

  it('ignores the order of commands and capabilities only', () => {
    expect(metadataMatches(meta, { ...meta, commands: [...meta.commands].reverse() })).toBe(true);
    expect(metadataMatches(meta, { ...meta, extra: { k: [2, 1] } })).toBe(false);
    expect(metadataMatches(meta, { ...meta, lean_version: null })).toBe(false);
  });

  it('returns a typed mismatch carrying both values', () => {
    expect(compareMetadata('m', meta, meta)).toBeNull();
    const err = compareMetadata('m', meta, { ...meta, commands: [] });
    expect(err?.code).toBe(ErrorCode.METADATA_MISMATCH);
    expect(err?.facts).toMatchObject({ export: 'm', expected: meta, actual: { ...meta, commands: [] } });
  });
});
