import { statSync } from 'node:fs'
import Database from 'better-sqlite3'
import type { UsageEvent } from '../../shared/usage'
import type { DatabaseReader, FileContext, FileReader, RecordsOutcome } from '../sources/types'
import type { FileCheckpoint } from './apply-batch'
import { countSkips, readDocument } from './read-document'
import { readIncrement, type Increment, type StoredFile } from './read-increment'

export { MAX_DOCUMENT_BYTES, readDocument } from './read-document'

/** Rows a database read takes before committing and reading on. */
const DB_ROWS_PER_READ = 2000

/** Reads what is new in one file of a source, whatever its kind. Null when nothing changed. */
export function readSourceFile(
  path: string,
  stored: StoredFile | undefined,
  reader: FileReader,
  ctx: FileContext,
  maxBytes?: number,
): Increment | null {
  switch (reader.kind) {
    case 'append':
      return readIncrement(path, stored, reader.parser, ctx, maxBytes)
    case 'document':
      return readDocument(path, stored, reader.parser, ctx)
    case 'database':
      return readDatabase(path, stored, reader.reader, ctx)
  }
}

/** Size and mtime of a database with its WAL: a commit may touch only the `-wal` file. */
function dbStamp(path: string): { size: number; mtimeMs: number; ino: number } {
  const st = statSync(path)
  let size = st.size
  let mtimeMs = Math.trunc(st.mtimeMs)
  try {
    const wal = statSync(`${path}-wal`)
    size += wal.size
    mtimeMs = Math.max(mtimeMs, Math.trunc(wal.mtimeMs))
  } catch {
    /* no WAL right now */
  }
  return { size, mtimeMs, ino: Number(st.ino) }
}

/**
 * Another app's database: opened read-only (no write, no lock held past the read; its WAL is
 * honoured), read past the cursor kept in our store. Rows come a batch at a time; `done` is false
 * while more wait. An unreadable database (locked for good, corrupt, not SQLite) is reported as a
 * read error for the scan to list, never retried in a loop.
 */
export function readDatabase<S>(
  path: string,
  stored: StoredFile | undefined,
  reader: DatabaseReader<S>,
  ctx: FileContext,
): Increment | null {
  const stamp = dbStamp(path)
  // A partly read database (size -1) reads on; otherwise an unchanged one costs one stat.
  if (stored && stored.size === stamp.size && stored.mtimeMs === stamp.mtimeMs && stored.ino === stamp.ino) return null
  const db = new Database(path, { readonly: true, fileMustExist: true, timeout: 2000 })
  let outcome: RecordsOutcome<S> & { done: boolean; bytes: number }
  try {
    const state: S = stored && stored.state !== '' ? (JSON.parse(stored.state) as S) : reader.initialState(ctx)
    outcome = reader.readRows(db, state, { ...ctx, mtimeMs: stamp.mtimeMs }, DB_ROWS_PER_READ)
  } finally {
    db.close()
  }
  const checkpoint: FileCheckpoint = {
    path,
    source: reader.source,
    expectOffset: stored ? stored.offset : null,
    offset: (stored?.offset ?? 0) + 1,
    // Not done: force the next call to read on even though the stamp matches.
    size: outcome.done ? stamp.size : -1,
    mtimeMs: stamp.mtimeMs,
    ino: stamp.ino,
    fingerprint: '',
    state: JSON.stringify(outcome.state),
    lines: outcome.records,
    events: outcome.events.length,
    ...countSkips(outcome.skips),
    rewritten: false,
  }
  return { checkpoint, events: outcome.events as UsageEvent[], done: outcome.done, bytesRead: outcome.bytes }
}
