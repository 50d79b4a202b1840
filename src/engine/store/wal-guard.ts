/**
 * Guards against the store's WAL being deleted while the engine runs. SQLite keeps writing to
 * the deleted file (its inode lives while open), so every commit after it would vanish with the
 * process. Before each write the -wal file is looked for; when one seen before is gone, what was
 * committed is checkpointed into the store file (SQLite still reads the deleted WAL), and the
 * journal is switched off and on again so a new WAL is created on disk. Said, never silent.
 */
import { existsSync } from 'node:fs'
import type { Store } from './open-store'

const seen = new WeakSet<Store>()

/** What happened: 'ok', or 'recreated' after a vanished WAL was checkpointed and made anew. */
export type WalCheck = 'ok' | 'recreated'

export function guardWal(store: Store, warn: (m: string) => void = (m) => process.stderr.write(`${m}\n`)): WalCheck {
  if (store.path === ':memory:' || store.db.readonly) return 'ok'
  const wal = `${store.path}-wal`
  if (existsSync(wal)) {
    seen.add(store)
    return 'ok'
  }
  if (!seen.has(store)) return 'ok'
  // Everything committed so far is still in the deleted WAL: copy it into the store file.
  const [r] = store.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number; log: number; checkpointed: number }[]
  if (r && r.busy !== 0) {
    throw new Error(
      `the store's WAL ${wal} was deleted while running and could not be checkpointed (another reader holds it); ` +
        'refusing to go on writing into a deleted file — stop the other reader and retry',
    )
  }
  store.db.pragma('journal_mode = DELETE')
  store.db.pragma('journal_mode = WAL')
  if (!existsSync(wal)) store.db.prepare('SELECT 1 FROM meta LIMIT 1').get()
  warn(
    `token-watch: the store's WAL ${wal} was deleted while running; everything committed was checkpointed into ` +
      `${store.path} and a new WAL was started (no acknowledged event is lost)`,
  )
  return 'recreated'
}
