/**
 * Sessions (`sessions`: one row per source and session id, its first and last request) and their
 * spans (`session_spans`: the same per set of names, so a filtered session list needs no ledger
 * scan). Neither holds cost.
 */
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import type { BatchChanges, Projection } from './types'

interface Statements {
  upsertSession: Database.Statement
  sessionsFromLedger: Database.Statement
  lastFromLedger: Database.Statement
  spansFromLedger: Database.Statement
  upsertSpan: Database.Statement
  spanOf: Database.Statement
  setSpan: Database.Statement
  dropSpan: Database.Statement
  sessionSpanOf: Database.Statement
  setSession: Database.Statement
  dropSession: Database.Statement
}

const statements = new WeakMap<Database.Database, Statements>()

function prepare(db: Database.Database): Statements {
  let s = statements.get(db)
  if (s) return s
  s = {
    upsertSession: db.prepare(`INSERT INTO sessions (source, session_id, user_id, agent_id, project, first_ts, last_ts)
      VALUES (?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`),
    upsertSpan: db.prepare(`INSERT INTO session_spans (source, session_id, user_id, agent_id, project, model, first_ts, last_ts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`),
    // A commit's new ledger rows (rowid above the parameter), in SQL: the spans they widen, the
    // sessions they start (named by their first request, as a rebuild names them: SQLite takes
    // the bare columns of a lone min() from the row holding it) or widen, then the sessions' ends.
    spansFromLedger: db.prepare(`INSERT INTO session_spans (source, session_id, user_id, agent_id, project, model, first_ts, last_ts)
      SELECT source, session_id, user_id, agent_id, project, model, min(ts), max(ts) FROM usage_events WHERE rowid > ?
      GROUP BY source, session_id, user_id, agent_id, project, model
      ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts), last_ts = max(last_ts, excluded.last_ts)`),
    sessionsFromLedger: db.prepare(`INSERT INTO sessions (source, session_id, user_id, agent_id, project, first_ts, last_ts)
      SELECT source, session_id, user_id, agent_id, project, first, first FROM
        (SELECT source, session_id, user_id, agent_id, project, min(ts) AS first FROM usage_events WHERE rowid > ? GROUP BY source, session_id)
      WHERE 1 ON CONFLICT DO UPDATE SET first_ts = min(first_ts, excluded.first_ts)`),
    lastFromLedger: db.prepare(`INSERT INTO sessions (source, session_id, user_id, agent_id, project, first_ts, last_ts)
      SELECT source, session_id, '', '', '', last, last FROM
        (SELECT source, session_id, max(ts) AS last FROM usage_events WHERE rowid > ? GROUP BY source, session_id)
      WHERE 1 ON CONFLICT DO UPDATE SET last_ts = max(last_ts, excluded.last_ts)`),
    // A span a correction moved a request out of (other model, project, ... or time), from the ledger again.
    spanOf: db.prepare(`SELECT min(ts) AS firstTs, max(ts) AS lastTs FROM usage_events WHERE session_id = ? AND source = ?
      AND user_id = ? AND agent_id = ? AND project = ? AND model = ?`),
    setSpan: db.prepare(`UPDATE session_spans SET first_ts = ?, last_ts = ? WHERE source = ? AND session_id = ? AND user_id = ?
      AND agent_id = ? AND project = ? AND model = ?`),
    dropSpan: db.prepare(`DELETE FROM session_spans WHERE source = ? AND session_id = ? AND user_id = ? AND agent_id = ?
      AND project = ? AND model = ?`),
    sessionSpanOf: db.prepare('SELECT min(ts) AS firstTs, max(ts) AS lastTs FROM usage_events WHERE session_id = ? AND source = ?'),
    setSession: db.prepare('UPDATE sessions SET first_ts = ?, last_ts = ? WHERE source = ? AND session_id = ?'),
    dropSession: db.prepare('DELETE FROM sessions WHERE source = ? AND session_id = ?'),
  }
  statements.set(db, s)
  return s
}

type Bounds = { firstTs: number | null; lastTs: number | null }

export const sessions: Projection = {
  name: 'sessions and their spans',
  tables: ['sessions', 'session_spans'],
  costed: false,
  answers: ['sessions', 'sessionCount', 'sessionEvents (the list; events come from the ledger)'],

  apply(db: Database.Database, changes: BatchChanges): void {
    const s = prepare(db)
    if (changes.ledgerSince !== null) {
      s.spansFromLedger.run(changes.ledgerSince)
      s.sessionsFromLedger.run(changes.ledgerSince)
      s.lastFromLedger.run(changes.ledgerSince)
    }
    for (const bySession of changes.sessions.values()) {
      for (const { e: x, firstTs, lastTs } of bySession.values())
        s.upsertSession.run(x.source, x.sessionId, x.userId, x.agentId, x.project, firstTs, lastTs)
    }
    for (const { e: x, firstTs, lastTs } of changes.spans.values()) {
      s.upsertSpan.run(x.source, x.sessionId, x.userId, x.agentId, x.project, x.model, firstTs, lastTs)
    }
    for (const x of changes.moved.values()) {
      const id = [x.source, x.sessionId, x.userId, x.agentId, x.project, x.model]
      const span = s.spanOf.get(x.sessionId, x.source, x.userId, x.agentId, x.project, x.model) as Bounds
      if (span.firstTs === null) s.dropSpan.run(...id)
      else s.setSpan.run(span.firstTs, span.lastTs, ...id)
    }
    // ...and the session it moved out of, whose first or last request it may have been.
    for (const x of new Map([...changes.moved.values()].map((m) => [`${m.source}\u0000${m.sessionId}`, m])).values()) {
      const span = s.sessionSpanOf.get(x.sessionId, x.source) as Bounds
      if (span.firstTs === null) s.dropSession.run(x.source, x.sessionId)
      else s.setSession.run(span.firstTs, span.lastTs, x.source, x.sessionId)
    }
  },

  /** From the ledger: a session's names are those of its first request. `model` is ignored (no cost here). */
  rebuild(store: Store): void {
    const db = store.db
    db.prepare('DELETE FROM session_spans').run()
    db.prepare('DELETE FROM sessions').run()
    db.prepare(
      `INSERT INTO session_spans (source, session_id, user_id, agent_id, project, model, first_ts, last_ts)
      SELECT source, session_id, user_id, agent_id, project, model, min(ts), max(ts) FROM usage_events
      GROUP BY source, session_id, user_id, agent_id, project, model`,
    ).run()
    // SQLite takes the bare columns of a min() aggregate from the row holding the minimum.
    db.prepare(
      `INSERT INTO sessions (source, session_id, user_id, agent_id, project, first_ts, last_ts)
      SELECT source, session_id, user_id, agent_id, project, first_ts, last_ts FROM (
        SELECT source, session_id, user_id, agent_id, project, min(ts) AS first_ts,
          (SELECT max(ts) FROM usage_events l WHERE l.source = e.source AND l.session_id = e.session_id) AS last_ts
        FROM usage_events e GROUP BY source, session_id)`,
    ).run()
  },
}
