/**
 * One request, two sightings: an agent's own log on disk and its OpenTelemetry event (src/engine/otlp).
 * Their keys differ, so the ledger's key index alone would count both. This finds, for each
 * new key of a batch, the stored record of the same request under the other key, so the batch
 * merges into it instead (the join table of ../shared/research/agents-and-otel-2026-12.md §5):
 * - Claude Code: the OTLP key `otlp:cc:<request_id>` and the transcript's `cc:<message.id>:<requestId>`.
 * - Codex, Gemini CLI, Copilot CLI: same session, same (input, output, cache read) tuple,
 *   instants within TWIN_WINDOW_MS (Codex's `codex.sse_event`, Gemini's `gemini_cli.api_response`
 *   and Copilot's chat spans carry no id their logs or session store have).
 * Logs look for OTLP twins only once the store holds OTLP events of that agent (meta
 * `otlp_agents`), so a store without OpenTelemetry pays nothing.
 */
import type Database from 'better-sqlite3'
import { eventFromRow, type EventRow, type LedgerEvent } from '../store/ledger'

/** How far apart a Codex or Gemini request's two sightings may be. */
export const TWIN_WINDOW_MS = 30_000
/**
 * How far apart a Claude Code request's two sightings may be when the event has no session to
 * search in (the request id joins them; this bounds the search, a scan of the time index). With a
 * session the whole session is searched (its rows on the (session_id, ts) index): the request id
 * is unique, so no window is needed, and the instants may differ by any amount (a long request, an
 * exporter's clock, an event re-sent hours later).
 */
const NEAR_WINDOW_MS = 600_000

/** Agents whose logs Token Watch reads and whose OTLP events it joins to them. */
const JOINED = new Set(['claude-code', 'codex', 'gemini-cli', 'copilot-cli'])

/** The key prefix (GLOB) of each tuple-joined agent's own records. */
const LOG_KEYS: Record<string, string> = { codex: 'codex:*', 'gemini-cli': 'gemini:*', 'copilot-cli': 'copilot:row:*' }

const TRANSCRIPT_KEY = /^cc:[^:]+:(.+)$/
const OTLP_CLAUDE_KEY = /^otlp:cc:(.+)$/

interface Statements {
  byKey: Database.Statement
  claudeInSession: Database.Statement
  claudeNear: Database.Statement
  tupleInSession: Database.Statement
  getAgents: Database.Statement
  setAgents: Database.Statement
  hasFiles: Database.Statement
}

const statements = new WeakMap<Database.Database, Statements>()
const agentsSeen = new WeakMap<Database.Database, Set<string>>()

function prepare(db: Database.Database): Statements {
  let s = statements.get(db)
  if (s) return s
  s = {
    byKey: db.prepare('SELECT * FROM usage_events WHERE key = ?'),
    claudeInSession: db.prepare(`SELECT * FROM usage_events WHERE session_id = ? AND key GLOB ? LIMIT 1`),
    claudeNear: db.prepare(`SELECT * FROM usage_events WHERE ts BETWEEN ? AND ? AND key GLOB ? LIMIT 1`),
    // The nearest record of the other kind with the same tokens in the same session.
    tupleInSession: db.prepare(`SELECT * FROM usage_events WHERE session_id = ? AND ts BETWEEN ? AND ? AND key GLOB ?
      AND agent_id = ? AND input = ? AND output = ? AND cache_read = ? ORDER BY abs(ts - ?) LIMIT 1`),
    getAgents: db.prepare("SELECT value FROM meta WHERE key = 'otlp_agents'").pluck(),
    hasFiles: db.prepare('SELECT 1 FROM source_files WHERE source = ? LIMIT 1').pluck(),
    setAgents: db.prepare("INSERT INTO meta (key, value) VALUES ('otlp_agents', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"),
  }
  statements.set(db, s)
  return s
}

function otlpAgents(db: Database.Database, s: Statements): Set<string> {
  let set = agentsSeen.get(db)
  if (!set) {
    const v = s.getAgents.get() as string | undefined
    set = new Set(v ? (JSON.parse(v) as string[]) : [])
    agentsSeen.set(db, set)
  }
  return set
}

function row(stmt: Database.Statement, ...params: unknown[]): LedgerEvent | undefined {
  const r = stmt.get(...params) as EventRow | undefined
  return r ? eventFromRow(r) : undefined
}

/** The stored twin of a new OTLP record, if any. */
function twinOfOtlp(s: Statements, e: LedgerEvent): LedgerEvent | undefined {
  const cc = OTLP_CLAUDE_KEY.exec(e.key)
  if (cc) {
    const pattern = `cc:*:${cc[1] as string}`
    return e.sessionId
      ? row(s.claudeInSession, e.sessionId, pattern)
      : row(s.claudeNear, e.ts - NEAR_WINDOW_MS, e.ts + NEAR_WINDOW_MS, pattern)
  }
  const prefix = LOG_KEYS[e.agentId]
  if (prefix === undefined || !e.sessionId) return undefined
  return row(
    s.tupleInSession,
    e.sessionId,
    e.ts - TWIN_WINDOW_MS,
    e.ts + TWIN_WINDOW_MS,
    prefix,
    e.agentId,
    e.input,
    e.output,
    e.cacheRead,
    e.ts,
  )
}

/** The stored OTLP twin of a new log record, if any. */
function twinOfLog(s: Statements, e: LedgerEvent): LedgerEvent | undefined {
  if (e.source === 'claude-code') {
    const m = TRANSCRIPT_KEY.exec(e.key)
    return m ? row(s.byKey, `otlp:cc:${m[1] as string}`) : undefined
  }
  if (LOG_KEYS[e.source] === undefined || !e.sessionId || (e.source === 'copilot-cli' && !e.key.startsWith('copilot:row:')))
    return undefined
  return row(
    s.tupleInSession,
    e.sessionId,
    e.ts - TWIN_WINDOW_MS,
    e.ts + TWIN_WINDOW_MS,
    'otlp:*',
    e.agentId,
    e.input,
    e.output,
    e.cacheRead,
    e.ts,
  )
}

/**
 * For the batch's new keys (not in `stored`), the stored record of the same request under its
 * other key, keyed by the new key. Notes OTLP agents in meta (inside the batch's transaction).
 */
export function findTwins(db: Database.Database, seen: Iterable<LedgerEvent>, stored: Map<string, LedgerEvent>): Map<string, LedgerEvent> {
  const s = prepare(db)
  const agents = otlpAgents(db, s)
  const out = new Map<string, LedgerEvent>()
  let noted = false
  // An agent whose logs were never read here has no log twin to find (one look per batch).
  const logsRead = new Map<string, boolean>()
  const hasLogs = (agentId: string): boolean => {
    let v = logsRead.get(agentId)
    if (v === undefined) logsRead.set(agentId, (v = s.hasFiles.get(agentId) !== undefined))
    return v
  }
  for (const e of seen) {
    if (stored.has(e.key)) continue
    let twin: LedgerEvent | undefined
    if (e.source === 'otlp') {
      if (!JOINED.has(e.agentId)) continue
      if (!agents.has(e.agentId)) {
        agents.add(e.agentId)
        noted = true
      }
      if (hasLogs(e.agentId)) twin = twinOfOtlp(s, e)
    } else if (agents.has(e.source)) {
      twin = twinOfLog(s, e)
    }
    if (twin && twin.key !== e.key) out.set(e.key, twin)
  }
  if (noted) s.setAgents.run(JSON.stringify([...agents].sort()))
  return out
}
