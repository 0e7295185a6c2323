/**
 * The zod schema of the import profiles, apart from the message schemas so that option schemas on
 * the main thread use it without building the wire vocabulary; built on first use, as they are (a
 * zod schema built when the package is imported costs import time).
 */
import { z } from 'zod';
import { IMPORT_PROFILES, type ImportProfile } from './constants.js';

let built: z.ZodEnum<{ [P in ImportProfile]: P }> | undefined;
export function importProfileSchema(): z.ZodEnum<{ [P in ImportProfile]: P }> {
  built ??= z.enum(IMPORT_PROFILES);
  return built;
}
