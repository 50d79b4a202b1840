/**
 * Bulk mode for a cold backfill: a scan that starts on an empty ledger (or one far behind what it
 * has to read, whose keys it reads into memory first: isFarBehind) knows every key in the store, so the keys of each
 * commit are looked up in memory (a map of key to rowid) instead of in the ledger's key index, and only the few seen before (a session replayed in another file, a
 * message streamed across a commit) are fetched, by rowid. Everything else is the normal commit:
 * the same transaction with the offsets, so a kill leaves the store at its last commit and the
 * next scan resumes from the offsets as always (in bulk mode again if still far behind). The map lives only
 * as long as the scan and is filled only after a commit succeeded.
 *
 * Only this load may add rows while it lasts: each commit first checks that the ledger's last
 * rowid is still the last one it inserted. Any other insert (a pushed event between two commits,
 * a second writer) ends bulk mode for the rest of the scan, which then looks keys up in the store
 * as always. OTLP twins of log lines are found in the store by twins.ts either way.
 */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import { eventFromRow, type EventRow, type LedgerEvent } from '../store/ledger'

const LOOKUP_CHUNK = 500

/** A store is far behind only when a scan has at least this much to read. */
export const FAR_BEHIND_MIN_BYTES = 32 * 1024 * 1024
/** ...and its ledger holds at most one record per this many bytes to read... */
export const FAR_BEHIND_BYTES_PER_ROW = 4096
/** ...and at most this many (their keys are held in memory for the scan: ~100 bytes each). */
export const FAR_BEHIND_MAX_ROWS = 250_000

/**
 * Whether a ledger of `rows` records is far behind a read of `bytesToRead`: reading its keys
 * (about 1 µs each) costs less than the store look-ups bulk mode saves on what is read (a Claude
 * Code log holds one request per ~20 KiB; a record per 4 KiB to read leaves a margin for denser logs).
 */
export function isFarBehind(rows: number, bytesToRead: number): boolean {
  return bytesToRead >= FAR_BEHIND_MIN_BYTES && rows <= Math.min(FAR_BEHIND_MAX_ROWS, bytesToRead / FAR_BEHIND_BYTES_PER_ROW)
}

export class BulkLoad {
  /** Every key this load committed, with its ledger rowid. */
  private readonly rows = new Map<string, number>()
  private readonly db: Database.Database
  private byRowid: Database.Statement | undefined
  private readonly lastRowidStmt: Database.Statement
  /** The ledger's last rowid as this load left it (0: empty). */
  private lastRowid = 0
  private abandoned = false

  private constructor(db: Database.Database) {
    this.db = db
    this.lastRowidStmt = db.prepare('SELECT coalesce(max(rowid), 0) FROM usage_events').pluck()
  }

  /**
   * A bulk load for `store` if its ledger is empty, or far behind the `bytesToRead` this scan has
   * to read (isFarBehind: its keys are then read into memory first); else null (the scan looks
   * keys up in the store). `always`: whatever the ledger holds (tests).
   */
  static begin(store: Store, bytesToRead = 0, always = false): BulkLoad | null {
    const any = store.db.prepare('SELECT 1 FROM usage_events LIMIT 1').get()
    if (any === undefined) return new BulkLoad(store.db)
    if (!always && bytesToRead < FAR_BEHIND_MIN_BYTES) return null
    const rows = store.db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number
    if (!always && !isFarBehind(rows, bytesToRead)) return null
    const load = new BulkLoad(store.db)
    const all = store.db.prepare('SELECT key, rowid FROM usage_events').raw().iterate() as IterableIterator<[string, number]>
    load.remember([...all])
    return load
  }

  /** How many keys it holds. */
  get size(): number {
    return this.rows.size
  }

  /**
   * Whether this commit may look keys up here: nothing but this load has inserted into the ledger
   * (asked inside the commit's transaction). Once not, never again for this load.
   */
  usable(): boolean {
    if (this.abandoned) return false
    if ((this.lastRowidStmt.get() as number) === this.lastRowid) return true
    this.abandoned = true
    this.rows.clear()
    return false
  }

  /** The stored records among `keys`: those this load committed, fetched by rowid. */
  lookup(keys: Iterable<string>): Map<string, LedgerEvent> {
    const out = new Map<string, LedgerEvent>()
    const ids: number[] = []
    for (const k of keys) {
      const id = this.rows.get(k)
      if (id !== undefined) ids.push(id)
    }
    for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
      const chunk = ids.slice(i, i + LOOKUP_CHUNK)
      const stmt =
        chunk.length === LOOKUP_CHUNK
          ? (this.byRowid ??= this.db.prepare(`SELECT * FROM usage_events WHERE rowid IN (${Array(LOOKUP_CHUNK).fill('?').join(',')})`))
          : this.db.prepare(`SELECT * FROM usage_events WHERE rowid IN (${chunk.map(() => '?').join(',')})`)
      for (const row of stmt.all(...chunk) as EventRow[]) out.set(row.key, eventFromRow(row))
    }
    return out
  }

  /** Notes the keys a commit inserted, once it is durable (a rolled-back commit notes nothing). */
  remember(inserted: readonly (readonly [string, number])[]): void {
    for (const [key, rowid] of inserted) {
      this.rows.set(key, rowid)
      if (rowid > this.lastRowid) this.lastRowid = rowid
    }
  }
}
