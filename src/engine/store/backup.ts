import Database from 'better-sqlite3'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { MIGRATIONS } from './migrations'
import type { Store } from './open-store'

/** How often the engine takes an automatic backup, and how many it keeps. */
export const AUTO_BACKUP_EVERY_MS = 24 * 3600_000
export const AUTO_BACKUP_KEEP = 3

/** Folder of automatic and manual backups, beside the store. */
export function backupDir(dbPath: string): string {
  return join(dirname(dbPath), 'backups')
}

// Milliseconds in the name: an automatic backup at start and a manual one a moment later must
// not share a file, and must sort in the order they were taken.
export function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace('T', '-').replace('.', '-').replace('Z', '')
}

// `tokenwatch-[auto-]YYYYMMDD-HHMMSS[-mmm].db`; names from before milliseconds sort as -000.
const BACKUP_NAME = /^tokenwatch-(auto-)?(\d{8}-\d{6})(?:-(\d{3}))?\.db$/

/**
 * Copies the live store to `dest` (SQLite's online backup: consistent while the engine runs).
 * The copy is written under a temporary name and renamed when complete, so a crash never leaves
 * a half backup under a backup's name; it is readable by the user only, whatever the umask.
 */
export async function backupStore(store: Store, dest?: string, kind: 'manual' | 'auto' = 'manual'): Promise<string> {
  const out = dest ?? join(backupDir(store.path), `tokenwatch-${kind === 'auto' ? 'auto-' : ''}${stamp()}.db`)
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 })
  const tmp = `${out}.tmp`
  rmSync(tmp, { force: true })
  // Created new ('wx': never through a planted link) and 0600 before SQLite writes a byte, which
  // gives its journal the same mode; chmod because a strict umask may leave it unwritable.
  closeSync(openSync(tmp, 'wx', 0o600))
  chmodSync(tmp, 0o600)
  try {
    await store.db.backup(tmp)
    // A backup is one self-contained file: rollback-journal mode, so reading it (to order
    // backups, to validate one) never leaves a -wal or -shm beside it.
    const copy = new Database(tmp, { fileMustExist: true })
    try {
      copy.pragma('journal_mode = DELETE')
    } finally {
      copy.close()
    }
    renameSync(tmp, out)
  } catch (err) {
    rmSync(tmp, { force: true })
    throw err
  }
  return out
}

/**
 * Copies the store file at `src` to `dest` as one file, through SQLite (so what sits in its WAL
 * is copied too: a store set aside after a crash holds its last commits there), 0600, in
 * rollback-journal mode. `dest` must not exist.
 */
export async function copyStoreFile(src: string, dest: string): Promise<void> {
  closeSync(openSync(dest, 'wx', 0o600))
  chmodSync(dest, 0o600)
  const from = new Database(src, { readonly: true, fileMustExist: true })
  try {
    await from.backup(dest)
  } finally {
    from.close()
  }
  const copy = new Database(dest, { fileMustExist: true })
  try {
    copy.pragma('journal_mode = DELETE')
  } finally {
    copy.close()
  }
}

/**
 * How far a store's content goes: its change sequence, which every commit that writes usage
 * advances (kept in meta since v5), whatever the clock said. 0 for a store from before v5 or
 * without it; -1 for a file that does not open as a store.
 */
export function contentSeq(path: string): number {
  // A backup from before they were single files is in WAL mode: a reader creates its -wal and
  // -shm. Remove what this read created (empty by then), so the folder holds only backups.
  const created = [`${path}-wal`, `${path}-shm`].filter((f) => !existsSync(f))
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true })
    try {
      const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== undefined
      if (!hasMeta) return 0
      const row = db.prepare("SELECT value FROM meta WHERE key = 'change_seq'").get() as { value: string | number } | undefined
      const n = Number(row?.value ?? 0)
      return Number.isSafeInteger(n) && n >= 0 ? n : 0
    } finally {
      db.close()
    }
  } catch {
    return -1
  } finally {
    for (const f of created) if (existsSync(f) && (f.endsWith('-shm') || statSync(f).size === 0)) rmSync(f, { force: true })
  }
}

/**
 * Backups (automatic and manual) in the store's backup folder, newest content first: by the
 * change sequence inside each (its last commit), then by the time in its name. A clock that once
 * ran ahead gives a backup a name from the future, never more recent content.
 */
export function listBackups(dbPath: string): string[] {
  const dir = backupDir(dbPath)
  if (!existsSync(dir)) return []
  const keyed: { seq: number; key: string; path: string }[] = []
  for (const f of readdirSync(dir)) {
    const m = BACKUP_NAME.exec(f)
    if (m) keyed.push({ seq: contentSeq(join(dir, f)), key: `${m[2]}-${m[3] ?? '000'}`, path: join(dir, f) })
  }
  return keyed.sort((a, b) => b.seq - a.seq || (a.key < b.key ? 1 : a.key > b.key ? -1 : 0)).map((k) => k.path)
}

/** Keeps the newest `keep` automatic backups; manual ones are the user's to delete. */
export function pruneBackups(dbPath: string, keep = AUTO_BACKUP_KEEP): void {
  const auto = listBackups(dbPath).filter((p) => basename(p).startsWith('tokenwatch-auto-'))
  for (const old of auto.slice(keep)) for (const f of [old, `${old}-wal`, `${old}-shm`]) rmSync(f, { force: true })
}

/**
 * Takes an automatic backup when the newest backup (of either kind) is older than `maxAgeMs`
 * or none exists, then prunes to the newest `keep` automatic ones. Returns the new file or null.
 */
export async function backupIfDue(store: Store, opts: { maxAgeMs?: number; keep?: number; now?: number } = {}): Promise<string | null> {
  const newest = listBackups(store.path)[0]
  const now = opts.now ?? Date.now()
  if (newest && now - statSync(newest).mtimeMs < (opts.maxAgeMs ?? AUTO_BACKUP_EVERY_MS)) return null
  const out = await backupStore(store, undefined, 'auto')
  pruneBackups(store.path, opts.keep ?? AUTO_BACKUP_KEEP)
  return out
}

/** Whether a database file opens and passes SQLite's quick_check. */
export function isHealthy(path: string): boolean {
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true })
    try {
      return db.pragma('quick_check', { simple: true }) === 'ok'
    } finally {
      db.close()
    }
  } catch {
    return false
  }
}

/**
 * Why `path` is not a usable Token Watch store, or null when it is one: it must open, pass
 * quick_check, carry a schema version this build knows (1..MIGRATIONS.length) and the ledger.
 */
export function storeFileProblem(path: string): string | null {
  if (!existsSync(path)) return 'does not exist'
  let db: Database.Database
  try {
    db = new Database(path, { readonly: true, fileMustExist: true })
  } catch (err) {
    return `cannot be opened (${(err as Error).message})`
  }
  try {
    if (db.pragma('quick_check', { simple: true }) !== 'ok') return "fails SQLite's integrity check"
    const v = db.pragma('user_version', { simple: true }) as number
    if (v > MIGRATIONS.length) return `is from a newer Token Watch (schema v${v}; this one reads up to v${MIGRATIONS.length})`
    const ledger = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'usage_events'").get()
    if (v < 1 || !ledger) return 'is not a Token Watch store (no schema version or no usage_events table)'
    return null
  } catch (err) {
    return `is not a SQLite database (${(err as Error).message})`
  } finally {
    db.close()
  }
}

/** Moves a database and its WAL/SHM files aside; returns the new name of the main file. */
export function moveAside(path: string, why: string): string {
  const aside = `${path}.${why}-${stamp()}`
  for (const ext of ['', '-wal', '-shm']) {
    if (existsSync(path + ext)) renameSync(path + ext, aside + ext)
  }
  return aside
}

/** The file name of a backup, for messages. */
export function describeBackup(path: string): string {
  return basename(path)
}
