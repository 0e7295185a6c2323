/**
 * The import profiles a session opens with (`ImportProfile` of `lean-rs-worker-protocol`). Apart
 * from the other message schemas so that option schemas on the main thread use it without
 * building the whole wire vocabulary on import.
 */
import { z } from 'zod';

export const importProfileSchema = z.enum(['exported-public', 'server', 'private', 'full-private-compat']);
export type ImportProfile = z.infer<typeof importProfileSchema>;
