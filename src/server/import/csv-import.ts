import type { Db } from '../db/client.js';

export type ImportKind = 'customers' | 'events';

export interface ImportReport {
  accepted: number;
  duplicates: number;
  rejected: Array<{ line: number; field?: string; message: string }>;
}

/** PLACEHOLDER — being implemented. */
export async function importCsv(_db: Db, _workspaceId: number, _kind: ImportKind, _file: string, _opts: { progress: boolean }): Promise<ImportReport> {
  throw new Error('not implemented yet');
}
