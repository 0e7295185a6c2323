/**
 * Restart policy options, passed through to the pool as data. Only their class (`Default` or
 * `Custom`) enters the session key, as in the original.
 */
import { z } from 'zod';

/** Default restart intensity: at most this many restarts ... @default 16 */
export const DEFAULT_MAX_RESTARTS = 16;
/** ... within this window. @default 60000 (ms) */
export const DEFAULT_RESTART_WINDOW_MS = 60_000;

/** Zod schema of {@link RestartPolicy}; unknown keys are rejected. */
export const restartPolicySchema = z
  .object({
    /** Cycle the child after this many requests. */
    maxRequests: z.number().int().positive().optional(),
    /** Cycle the child after this many session imports. */
    maxImports: z.number().int().positive().optional(),
    /** Cycle the child before work when its private memory is at or above this (KiB). */
    memoryCeilingKib: z.number().int().positive().optional(),
    /** Cycle a child idle for this long (ms). */
    idleCycleMs: z.number().int().positive().optional(),
    /** Restart intensity: at most `maxRestarts` within `windowMs`, then the key is quarantined. */
    restartIntensity: z
      .object({ maxRestarts: z.number().int().nonnegative(), windowMs: z.number().int().positive() })
      .strict()
      .optional(),
  })
  .strict();

/** Worker restart policy (all fields optional; absent = the pool default). */
export type RestartPolicy = z.infer<typeof restartPolicySchema>;

/** `Default` when the policy is absent or equal to the default; otherwise `Custom`. */
export type RestartPolicyClass = 'Default' | 'Custom';

/** Class of a policy, as the original computes it. */
export function restartPolicyClass(policy: RestartPolicy | null | undefined): RestartPolicyClass {
  if (policy === null || policy === undefined) return 'Default';
  const { restartIntensity, ...rest } = policy;
  const customLimits = Object.values(rest).some((v) => v !== undefined);
  const customIntensity =
    restartIntensity !== undefined &&
    (restartIntensity.maxRestarts !== DEFAULT_MAX_RESTARTS ||
      restartIntensity.windowMs !== DEFAULT_RESTART_WINDOW_MS);
  return customLimits || customIntensity ? 'Custom' : 'Default';
}
