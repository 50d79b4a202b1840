import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import { openContext } from '../engine/context'
import { dataDir, dataPaths } from '../engine/paths'
import { backupStore, copyStoreFile, moveAside, storeFileProblem } from '../engine/store/backup'
import { acquireWriterLock } from '../engine/store/writer-lock'
import { parseOptions, UsageError } from './args'

/** `tokenwatch backup [--out FILE]`: a consistent copy of the store, safe while the engine runs. */
export async function runBackup(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { db: { type: 'string' }, out: { type: 'string' } })
  // A read-only connection suffices: SQLite's online backup copies a consistent snapshot.
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    const out = await backupStore(ctx.store, o.out)
    process.stdout.write(`${out}\n`)
    return 0
  } finally {
    ctx.close()
  }
}

/** `tokenwatch restore FILE`: replaces the store with a backup (no engine may be running). */
export async function runRestore(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...rest] = args
  if (!file || file.startsWith('--')) throw new UsageError('expected the backup file: tokenwatch restore FILE [--db FILE]')
  const o = parseOptions(rest, { db: { type: 'string' } })
  // Checked before anything is touched: a refused file leaves the current store as it was.
  const problem = storeFileProblem(file)
  if (problem) throw new UsageError(`${file} ${problem}; nothing was changed`)
  const db = o.db ?? dataPaths(dataDir(env)).db
  mkdirSync(dirname(db), { recursive: true, mode: 0o700 })
  const lock = acquireWriterLock(db)
  try {
    // Copied beside the store first, so the store is never half a file.
    const incoming = `${db}.restoring`
    for (const ext of ['', '-wal', '-shm', '-journal']) rmSync(incoming + ext, { force: true })
    // Through SQLite, not a file copy: the backup's WAL (a store set aside after a crash keeps
    // its last commits there) is part of what is restored. 0600: the store is the user's alone.
    await copyStoreFile(file, incoming)
    const aside = existsSync(db) ? moveAside(db, 'before-restore') : undefined
    renameSync(incoming, db)
    process.stdout.write(`restored ${db} from ${file}${aside ? ` (the previous store is at ${aside})` : ''}\n`)
    process.stdout.write('run `tokenwatch scan` (or start the app) to read agent logs written since the backup\n')
    return 0
  } finally {
    lock.release()
  }
}
