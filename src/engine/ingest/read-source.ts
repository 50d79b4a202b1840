import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import Database from 'better-sqlite3'
import type { UsageEvent } from '../../shared/usage'
import type { DatabaseReader, DocumentParser, FileContext, FileReader, RecordsOutcome, SkipReason } from '../sources/types'
import type { FileCheckpoint } from './apply-batch'
import { readIncrement, type Increment, type StoredFile } from './read-increment'

/** Documents larger than this are skipped (counted as too-large) rather than read whole. */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
/** Rows a database read takes before committing and reading on. */
const DB_ROWS_PER_READ = 2000

function countSkips(skips: readonly SkipReason[]): Pick<FileCheckpoint, 'skipped' | 'skipReasons'> {
  const skipReasons: Record<string, number> = {}
  for (const r of skips) skipReasons[r] = (skipReasons[r] ?? 0) + 1
  return { skipped: skips.length, skipReasons }
}

/** Reads what is new in one file of a source, whatever its kind. Null when nothing changed. */
export function readSourceFile(path: string, stored: StoredFile | undefined, reader: FileReader, ctx: FileContext, maxBytes?: number): Increment | null {
  switch (reader.kind) {
    case 'append':
      return readIncrement(path, stored, reader.parser, ctx, maxBytes)
    case 'document':
      return readDocument(path, stored, reader.parser, ctx)
    case 'database':
      return readDatabase(path, stored, reader.reader, ctx)
  }
}

/**
 * A document rewritten in place: re-read whole when its size, mtime or inode changed. Every
 * record comes again with its key (the ledger adds only what is new or grew); the counts replace
 * the file's previous ones (`rewritten`), and the parser's state (e.g. a running total already
 * counted) is kept with the file.
 */
export function readDocument<S>(path: string, stored: StoredFile | undefined, parser: DocumentParser<S>, ctx: FileContext): Increment | null {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd)
    const size = st.size
    const ino = Number(st.ino)
    const mtimeMs = Math.trunc(st.mtimeMs)
    if (stored && stored.size === size && stored.mtimeMs === mtimeMs && stored.ino === ino) return null
    const base = { path, source: parser.source, expectOffset: stored ? stored.offset : null, size, mtimeMs, ino, rewritten: stored !== undefined }
    let outcome: RecordsOutcome<S>
    const state: S = stored && stored.state !== '' ? (JSON.parse(stored.state) as S) : parser.initialState(ctx)
    if (size > MAX_DOCUMENT_BYTES) {
      outcome = { events: [], records: 1, skips: ['too-large'], state }
    } else {
      const buf = Buffer.allocUnsafe(size)
      let got = 0
      while (got < size) {
        const n = readSync(fd, buf, got, size - got, got)
        if (n <= 0) break
        got += n
      }
      const bytes = buf.subarray(0, got)
      if (bytes.includes(0)) outcome = { events: [], records: 1, skips: ['binary'], state }
      else if (!isUtf8(bytes)) outcome = { events: [], records: 1, skips: ['invalid-utf8'], state }
      else outcome = parser.parseDocument(bytes.toString('utf8'), state, { ...ctx, mtimeMs })
    }
    const checkpoint: FileCheckpoint = {
      ...base,
      // The offset only moves on: the stale-batch guard compares it with what the store holds.
      offset: (stored?.offset ?? 0) + 1,
      fingerprint: '',
      state: JSON.stringify(outcome.state),
      lines: outcome.records,
      events: outcome.events.length,
      ...countSkips(outcome.skips),
    }
    return { checkpoint, events: outcome.events, done: true, bytesRead: size }
  } finally {
    closeSync(fd)
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
export function readDatabase<S>(path: string, stored: StoredFile | undefined, reader: DatabaseReader<S>, ctx: FileContext): Increment | null {
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
