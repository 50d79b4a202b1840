import Database from 'better-sqlite3'
import { chmodSync, existsSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { migrate } from './migrations'

/** An open Token Watch database. One process writes it at a time; any number may read. */
export interface Store {
  readonly db: Database.Database
  readonly path: string
  close(): void
}

export interface OpenStoreOptions {
  readonly?: boolean
  /** Path of a better-sqlite3 `.node` build to load (Electron and Node need different builds). */
  nativeBinding?: string
}

/**
 * WAL pages (4 KiB each) after which a commit copies the log back into the database. SQLite's
 * default of 1,000 made a busy writer checkpoint every few commits, writing the pages it keeps
 * dirtying (the key index, the session spans) again each time; 8,000 (a WAL of up to 32 MiB)
 * copies each such page once per many commits.
 */
const WAL_CHECKPOINT_PAGES = 8000

/**
 * Opens (creating if needed) and migrates the store at `path`.
 * WAL lets readers (reports, the dashboard) run beside the one writer. synchronous=FULL makes a
 * committed transaction survive power loss, which an acknowledged socket event promises; the
 * cost is one fsync per transaction, and every writer batches many events into one.
 */
export function openStore(path: string, opts: OpenStoreOptions = {}): Store {
  const creating = !opts.readonly && path !== ':memory:' && !existsSync(path)
  if (creating) mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const db = new Database(path, {
    readonly: opts.readonly ?? false,
    fileMustExist: opts.readonly ?? false,
    ...(opts.nativeBinding ? { nativeBinding: opts.nativeBinding } : {}),
  })
  // Usage metadata is the user's alone, even where TOKENWATCH_HOME is a shared folder; SQLite
  // gives the -wal and -shm files the same mode.
  if (creating) chmodSync(path, 0o600)
  db.pragma('busy_timeout = 10000')
  if (!opts.readonly) {
    db.pragma('journal_mode = WAL')
    db.pragma('synchronous = FULL')
    db.pragma(`wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES}`)
    db.pragma('foreign_keys = ON')
    const { from, to } = migrate(db)
    // An upgrade can rewrite a whole table (v4 copies the ledger) into the WAL: copy it back now
    // and give the disk space back, rather than keep a WAL as large as the ledger.
    if (from > 0 && from < to) db.pragma('wal_checkpoint(TRUNCATE)')
  }
  return {
    db,
    path,
    close: () => db.close(),
  }
}

/** Reads a value from the meta table. */
export function getMeta(store: Store, key: string): string | undefined {
  const row = store.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined
  return row?.value
}

/** Writes a value to the meta table. */
export function setMeta(store: Store, key: string, value: string): void {
  store.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run(key, value)
}
