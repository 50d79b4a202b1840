import { hostname } from 'node:os'
import type Database from 'better-sqlite3'
import { getMeta, setMeta, type Store } from './open-store'

/**
 * The next change sequence number, taken inside the caller's write transaction: every aggregate
 * row (and tombstone) a commit writes is stamped with it. Monotonic across restarts (kept in meta).
 */
export function nextChangeSeq(db: Database.Database): number {
  const row = db.prepare("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_seq' RETURNING value").get() as
    { value: string | number } | undefined
  if (row) return Number(row.value)
  db.prepare("INSERT INTO meta (key, value) VALUES ('change_seq', '2')").run()
  return 2
}

/** The highest change sequence handed out so far (what a sink that is wholly up to date has acknowledged). */
export function currentChangeSeq(store: Store): number {
  return Number(getMeta(store, 'change_seq') ?? '1')
}

/** This store's machine: a random id kept in the store and a name (the host name until renamed). */
export interface MachineIdentity {
  id: string
  name: string
}

/** The store's machine id and name. */
export function machineIdentity(store: Store): MachineIdentity {
  const id = getMeta(store, 'machine_id')
  if (!id) throw new Error('store has no machine id (schema older than v5)')
  return { id, name: getMeta(store, 'machine_name') ?? hostname() }
}

/** Renames this machine (as teams and the "my machines" view show it); blank restores the host name. */
export function setMachineName(store: Store, name: string): void {
  const trimmed = name.trim()
  if (trimmed.length > 200) throw new Error('machine name: at most 200 characters')
  if (trimmed === '') store.db.prepare("DELETE FROM meta WHERE key = 'machine_name'").run()
  else setMeta(store, 'machine_name', trimmed)
}
