import { copyFileSync, existsSync } from 'node:fs'
import { openContext } from '../engine/context'
import { dataDir, dataPaths } from '../engine/paths'
import { backupStore, isHealthy, moveAside } from '../engine/store/backup'
import { acquireWriterLock } from '../engine/store/writer-lock'
import { parseOptions, UsageError } from './args'

/** `tokenwatch backup [--out FILE]`: a consistent copy of the store, safe while the engine runs. */
export async function runBackup(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { db: { type: 'string' }, out: { type: 'string' } })
  // A reader's connection suffices: SQLite's online backup copies a consistent snapshot.
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
  if (!isHealthy(file)) throw new UsageError(`${file} is not a healthy Token Watch database`)
  const db = o.db ?? dataPaths(dataDir(env)).db
  const lock = acquireWriterLock(db)
  try {
    const aside = existsSync(db) ? moveAside(db, 'before-restore') : undefined
    copyFileSync(file, db)
    process.stdout.write(`restored ${db} from ${file}${aside ? ` (the previous store is at ${aside})` : ''}\n`)
    process.stdout.write('run `tokenwatch scan` (or start the app) to read agent logs written since the backup\n')
    return 0
  } finally {
    lock.release()
  }
}
