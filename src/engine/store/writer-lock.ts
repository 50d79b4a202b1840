import Database from 'better-sqlite3'
import { chmodSync, existsSync } from 'node:fs'

/** Thrown when another process already writes the store. */
export class StoreBusyError extends Error {
  constructor(dbPath: string) {
    super(
      `another Token Watch engine (the app or \`tokenwatch serve\`) is already writing ${dbPath}; ` +
        'it keeps the store current — use `tokenwatch report` to read it, or stop the other engine first',
    )
    this.name = 'StoreBusyError'
  }
}

/** The held lock; release it on shutdown (a crash releases it by itself). */
export interface WriterLock {
  release(): void
}

/**
 * Makes this process the store's only writer. The lock is an exclusive SQLite lock on a small
 * side file (`<db>.lock`), held for the process's life: the OS drops it when the process exits
 * or crashes, so a stale lock can never block a restart (unlike a PID file).
 */
export function acquireWriterLock(dbPath: string, nativeBinding?: string): WriterLock {
  if (dbPath === ':memory:') return { release: () => undefined }
  const path = `${dbPath}.lock`
  const creating = !existsSync(path)
  const lockDb = new Database(path, nativeBinding ? { nativeBinding } : {})
  // It names only the engine's pid, but it sits beside the store: the user's alone, like the store.
  if (creating) chmodSync(path, 0o600)
  try {
    lockDb.pragma('busy_timeout = 0')
    lockDb.pragma('locking_mode = EXCLUSIVE')
    lockDb.exec('CREATE TABLE IF NOT EXISTS engine (pid INTEGER)')
    lockDb.exec('BEGIN EXCLUSIVE')
    lockDb.prepare('DELETE FROM engine').run()
    lockDb.prepare('INSERT INTO engine (pid) VALUES (?)').run(process.pid)
  } catch (err) {
    lockDb.close()
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY') || (err as { code?: string }).code?.startsWith('SQLITE_LOCKED')) {
      throw new StoreBusyError(dbPath)
    }
    throw err
  }
  return {
    release: () => {
      if (!lockDb.open) return
      lockDb.exec('ROLLBACK')
      lockDb.close()
    },
  }
}
