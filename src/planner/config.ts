/** Planner configuration, validated once with a strict zod schema. */
import { z } from 'zod';
import { metadataCheckSchema } from '../capability/options.js';
import { lazySchema } from '../parse-options.js';
import { importProfileSchema } from '../protocol/import-profile.js';
import { workerPolicySchema } from '../protocol/worker-policy.js';

function buildImportPlanConfigSchema() {
  return z
    .object({
      projectRoot: z.string().min(1),
      package: z.string().min(1),
      libName: z.string().min(1),
      sourceRoots: z.array(z.string()).optional(),
      libraries: z.array(z.string().min(1)).optional(),
      baseImports: z.array(z.string().min(1)).default([]),
      importProfile: importProfileSchema().default('private'),
      importWorkspaceRoot: z.string().min(1).optional(),
      metadata: metadataCheckSchema().optional(),
      policy: workerPolicySchema().optional(),
      importsFrom: z.enum(['base', 'header']).default('base'),
      contentHash: z.boolean().default(false),
      maxProjectFileBytes: z.number().int().positive().optional(),
    })
    .strict();
}
/** Schema of {@link ImportPlanConfig}, built on first use; unknown keys are rejected. */
export const importPlanConfigSchema = lazySchema(buildImportPlanConfigSchema);

/**
 * Planner configuration (input form).
 * - `projectRoot`, `package`, `libName`: the capability target.
 * - `sourceRoots`: only modules under these roots. @default every library root
 * - `libraries`: only these libraries' modules. @default every declared `lean_lib`
 * - `baseImports`: imports of every batch. @default []
 * - `importProfile`. @default 'private'
 * - `importWorkspaceRoot`. @default projectRoot
 * - `metadata`: metadata check carried into keys and builders. @default none
 * - `policy`: the worker policy carried into builders; its class enters keys. @default none
 * - `importsFrom`: `base` gives every module `baseImports` (the original); `header` gives each
 *   module `baseImports` plus its own header imports, canonicalised. @default 'base'
 * - `contentHash`: hash every source into the fingerprint. @default false
 * - `maxProjectFileBytes`: cap on the lakefile, `lake-manifest.json` and `lean-toolchain`.
 *   @default DEFAULT_MAX_PROJECT_FILE_BYTES (4 MiB)
 */
export type ImportPlanConfig = z.input<ReturnType<typeof buildImportPlanConfigSchema>>;
/** Planner configuration after defaults. */
export type ResolvedImportPlanConfig = z.output<ReturnType<typeof buildImportPlanConfigSchema>>;
