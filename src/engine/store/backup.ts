import Database from 'better-sqlite3'
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { UsageEvent } from '../../shared/usage'
import { applyBatch, type Coster } from '../ingest/apply-batch'
import { eventFromRow, type EventRow } from '../ingest/merge'
import type { Store } from './open-store'

/** Folder of automatic and manual backups, beside the store. */
export function backupDir(dbPath: string): string {
  return join(dirname(dbPath), 'backups')
}

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-')
}

/** Copies the live store to `dest` (SQLite's online backup: consistent while the engine runs). */
export async function backupStore(store: Store, dest?: string): Promise<string> {
  const out = dest ?? join(backupDir(store.path), `tokenwatch-${stamp()}.db`)
  mkdirSync(dirname(out), { recursive: true, mode: 0o700 })
  await store.db.backup(out)
  return out
}

/** Backups in the store's backup folder, newest first. */
export function listBackups(dbPath: string): string[] {
  const dir = backupDir(dbPath)
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((f) => /^tokenwatch-\d{8}-\d{6}\.db$/.test(f))
    .sort()
    .reverse()
    .map((f) => join(dir, f))
}

/** Keeps the newest `keep` automatic backups. */
export function pruneBackups(dbPath: string, keep = 7): void {
  for (const old of listBackups(dbPath).slice(keep)) rmSync(old, { force: true })
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

/** Moves a database and its WAL/SHM files aside; returns the new name of the main file. */
export function moveAside(path: string, why: string): string {
  const aside = `${path}.${why}-${stamp()}`
  for (const ext of ['', '-wal', '-shm']) {
    if (existsSync(path + ext)) renameSync(path + ext, aside + ext)
  }
  return aside
}

/**
 * Copies the pushed (socket and HTTP) events of a backup into `store`: they exist nowhere else,
 * unlike log events, which a rebuild reads again from the logs. Returns how many, and the
 * instant of the newest — pushed events after it are lost and must be named as such.
 */
export function importPushedEvents(store: Store, backupPath: string, cost: Coster): { events: number; newestTs: number | null; takenAt: number } {
  const takenAt = statSync(backupPath).mtimeMs
  const db = new Database(backupPath, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare("SELECT * FROM usage_events WHERE source IN ('socket', 'http') ORDER BY ts").all() as EventRow[]
    // Re-costed with today's prices on the way in, like any new event.
    const events: UsageEvent[] = rows.map((r) => {
      const { costNanoUsd: _stale, ...event } = eventFromRow(r)
      return event
    })
    for (let i = 0; i < events.length; i += 5000) applyBatch(store, [{ events: events.slice(i, i + 5000) }], cost)
    return { events: events.length, newestTs: rows.at(-1)?.ts ?? null, takenAt }
  } finally {
    db.close()
  }
}

/** The file name of a backup, for messages. */
export function describeBackup(path: string): string {
  return basename(path)
}
