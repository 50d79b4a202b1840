import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { openContext } from '../engine/context'
import { dataDir, dataPaths } from '../engine/paths'
import { backupStore, copyStoreFile, moveAside, stamp, storeFileProblem } from '../engine/store/backup'
import { acquireWriterLock } from '../engine/store/writer-lock'
import { parseOptions, UsageError } from './args'

/** `tokenwatch backup [--out FILE]`: a consistent copy of the store, safe while the engine runs. */
export async function runBackup(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { db: { type: 'string' }, out: { type: 'string' } })
  let out = o.out
  if (out !== undefined && out.trim() === '') throw new UsageError('--out: expected a file or folder')
  // `--out <folder>`: the backup goes into that folder under the name it would get by default.
  const isFolder = out !== undefined && (out.endsWith('/') || (existsSync(out) && statSync(out).isDirectory()))
  // A read-only connection suffices: SQLite's online backup copies a consistent snapshot.
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    if (out !== undefined && isFolder) {
      mkdirSync(out, { recursive: true, mode: 0o700 })
      out = join(out, `tokenwatch-${stamp()}.db`)
    }
    const written = await backupStore(ctx.store, out)
    process.stdout.write(`${written}\n`)
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
