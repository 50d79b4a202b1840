import Database from 'better-sqlite3'
import { statSync } from 'node:fs'
import type { UsageEvent } from '../../shared/usage'
import { implicitSessionId } from '../../shared/implicit-session'
import type { Coster } from '../pricing/types'
import { contentSeq } from '../store/backup'
import type { Store } from '../store/open-store'
import { applyBatch } from './apply-batch'
import { eventFromRow, type EventRow } from '../store/ledger'

/**
 * Copies the pushed (socket, HTTP and OTLP) events of a backup into `store`: they exist nowhere else,
 * unlike log events, which a rebuild reads again from the logs. Returns how many, and the
 * instant of the newest — pushed events after it are lost and must be named as such.
 */
export function importPushedEvents(
  store: Store,
  backupPath: string,
  cost: Coster,
): { events: number; newestTs: number | null; takenAt: number } {
  const takenAt = statSync(backupPath).mtimeMs
  const db = new Database(backupPath, { readonly: true, fileMustExist: true })
  try {
    const rows = db.prepare("SELECT * FROM usage_events WHERE source IN ('socket', 'http', 'otlp') ORDER BY ts").all() as EventRow[]
    // Re-costed with today's prices on the way in, like any new event.
    const events: UsageEvent[] = rows.map((r) => {
      const { costNanoUsd: _stale, ...event } = eventFromRow(r)
      // A backup from before the implicit-session rule (store v9) holds blank sessions: the
      // events get the session v9 gives them in a store it upgrades.
      if (event.sessionId === '' && (event.source === 'socket' || event.source === 'http'))
        event.sessionId = implicitSessionId(event.agentId, event.userId, event.ts)
      return event
    })
    for (let i = 0; i < events.length; i += 5000) applyBatch(store, [{ events: events.slice(i, i + 5000) }], cost)
    // The rebuilt store carries on the backup's content: its sequence continues past the
    // backup's, so its own later backups order after the one it came from.
    const seq = contentSeq(backupPath)
    store.db
      .prepare(
        `INSERT INTO meta (key, value) VALUES ('change_seq', ?)
      ON CONFLICT(key) DO UPDATE SET value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)`,
      )
      .run(String(Math.max(seq, 1)))
    return { events: events.length, newestTs: rows.at(-1)?.ts ?? null, takenAt }
  } finally {
    db.close()
  }
}
