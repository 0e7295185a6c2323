/** Piscina worker entry for source scans (runs from the compiled `dist/` tree). */
import { type ScanEntry, type ScanWhat, scanFiles } from './scan-task.js';

/** One task: a chunk of files and what to compute for them. */
export interface ScanTask extends ScanWhat {
  readonly files: readonly string[];
}

/** Piscina calls the default export with each task. */
export default function scan(task: ScanTask): Promise<ScanEntry[]> {
  return scanFiles(task.files, task);
}
