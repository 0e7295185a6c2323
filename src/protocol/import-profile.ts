/**
 * The import profiles a session opens with (`ImportProfile` of `lean-rs-worker-protocol`). Apart
 * from the other message schemas so that option schemas on the main thread use it without
 * building the whole wire vocabulary; built on first use, as they are (a zod schema built when
 * the package is imported costs import time).
 */
import { z } from 'zod';

const IMPORT_PROFILES = ['exported-public', 'server', 'private', 'full-private-compat'] as const;
export type ImportProfile = (typeof IMPORT_PROFILES)[number];

let built: z.ZodEnum<{ [P in ImportProfile]: P }> | undefined;
export function importProfileSchema(): z.ZodEnum<{ [P in ImportProfile]: P }> {
  built ??= z.enum(IMPORT_PROFILES);
  return built;
}
