/**
 * The rows and summary metadata of a repl check, as callers see them. The supervisor thread maps
 * the repl's answers onto them (`threads/repl/mapping.ts`); the shapes are part of the thread
 * contract (`src/protocol/repl-rows.ts`).
 */
export {
  REPL_STREAMS,
  type ReplMessageRow,
  type ReplSorryRow,
  type ReplSummaryMetadata,
} from '../protocol/repl-rows.js';
