/**
 * Copilot CLI's shutdown rollups (`session-state/<id>/events.jsonl`, one record per session leg
 * and model, at the shutdown's instant) against its OTLP chat spans (one per request). They are
 * the same usage, so the join table of ../shared/research/agents-and-otel-2026-12.md §5 says:
 * trust the chat spans, and never count a rollup for a (session, model) pair the spans cover.
 * A rollup therefore counts only what it carries beyond the chat spans of its leg (bucket by
 * bucket, never below zero), in either order:
 * - a new rollup counts its leg less the stored OTLP-only chat spans of that session and model
 *   since the previous shutdown;
 * - a new chat span takes its tokens off the stored rollup of the leg it falls in (the first
 *   rollup of its session and model at or after it).
 * max(0, max(0, R − a) − b) = max(0, R − a − b), so both orders store the same figures. A rollup
 * left with no tokens is not stored (or is removed); its instant is kept in meta
 * (`copilot_legs:<session>`) so the next leg and late spans still find their leg.
 * Where the session has `session-store.db` rows in the ledger the rollup parser has already
 * taken the rows off (sources/copilot-cli/parser.ts) and the spans join those rows
 * (ingest/twins.ts): nothing is taken off again. Only spans that joined no row (source `otlp`)
 * are taken off. Without chat spans a rollup counts whole.
 */
import type Database from 'better-sqlite3'
import { eventFromRow, type EventRow, type LedgerEvent } from '../store/ledger'
import { copilotModel } from '../sources/copilot-cli/store'

const ROLLUP_KEY = /^copilot:(.+):shutdown:(.+):(\d+)$/

type Buckets = Pick<LedgerEvent, 'input' | 'output' | 'cacheRead' | 'cacheWrite'>

interface Statements {
  byKey: Database.Statement
  spansInLeg: Database.Statement
  rollupsAfter: Database.Statement
  hasRows: Database.Statement
  getLegs: Database.Statement
  setLegs: Database.Statement
}

const statements = new WeakMap<Database.Database, Statements>()

function prepare(db: Database.Database): Statements {
  let s = statements.get(db)
  if (s) return s
  s = {
    byKey: db.prepare('SELECT * FROM usage_events WHERE key = ?'),
    spansInLeg: db.prepare(`SELECT * FROM usage_events WHERE session_id = ? AND ts > ? AND ts <= ? AND key GLOB 'otlp:*'
      AND source = 'otlp' AND agent_id = 'copilot-cli'`),
    rollupsAfter: db.prepare(`SELECT * FROM usage_events WHERE session_id = ? AND ts >= ? AND key GLOB 'copilot:*:shutdown:*'
      AND source = 'copilot-cli' ORDER BY ts`),
    hasRows: db.prepare(`SELECT 1 FROM usage_events WHERE session_id = ? AND key GLOB 'copilot:row:*' LIMIT 1`).pluck(),
    getLegs: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
    setLegs: db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
  }
  statements.set(db, s)
  return s
}

/** A rollup that was left with no tokens: its key and instant. */
type Leg = { key: string; ts: number }

function legsOf(s: Statements, session: string): Leg[] {
  const v = s.getLegs.get(`copilot_legs:${session}`) as string | undefined
  return v ? (JSON.parse(v) as Leg[]) : []
}

function noteEmptyLeg(s: Statements, session: string, leg: Leg): void {
  const legs = legsOf(s, session)
  if (legs.some((l) => l.key === leg.key)) return
  legs.push(leg)
  s.setLegs.run(`copilot_legs:${session}`, JSON.stringify(legs))
}

const less = (a: Buckets, b: Buckets): Buckets => ({
  input: Math.max(0, a.input - b.input),
  output: Math.max(0, a.output - b.output),
  cacheRead: Math.max(0, a.cacheRead - b.cacheRead),
  cacheWrite: Math.max(0, a.cacheWrite - b.cacheWrite),
})
const empty = (b: Buckets): boolean => b.input + b.output + b.cacheRead + b.cacheWrite === 0

/** The rollup's model as stored (copilotModel) and its raw name and leg number, from its key. */
function rollupOf(e: LedgerEvent): { raw: string; n: number } | undefined {
  if (e.source !== 'copilot-cli') return undefined
  const m = ROLLUP_KEY.exec(e.key)
  return m ? { raw: m[2] as string, n: Number(m[3]) } : undefined
}

/**
 * The changes this batch makes to Copilot CLI rollups: for a key, the record to store instead of
 * the batch's (re-priced by `reprice`), or null to store nothing under it (and remove a stored one).
 * `seen` holds the batch's sightings after twins were re-keyed; `stored` the ledger's records of its keys.
 */
export function copilotRollups(
  db: Database.Database,
  seen: Map<string, LedgerEvent>,
  stored: Map<string, LedgerEvent>,
  reprice: (e: LedgerEvent) => LedgerEvent,
): Map<string, LedgerEvent | null> {
  const out = new Map<string, LedgerEvent | null>()
  let s: Statements | undefined
  const rowsCache = new Map<string, boolean>()
  const hasRows = (st: Statements, session: string): boolean => {
    let v = rowsCache.get(session)
    if (v === undefined) rowsCache.set(session, (v = st.hasRows.get(session) !== undefined))
    return v
  }
  for (const e of seen.values()) {
    if (stored.has(e.key) || !e.sessionId) continue
    const r = rollupOf(e)
    if (r) {
      s ??= prepare(db)
      if (hasRows(s, e.sessionId)) continue
      // The previous leg's end: its rollup as stored, else as noted when it was left empty.
      const prevKey = `copilot:${e.sessionId}:shutdown:${r.raw}:${r.n - 1}`
      const prev = (s.byKey.get(prevKey) as EventRow | undefined)?.ts ?? legsOf(s, e.sessionId).find((l) => l.key === prevKey)?.ts ?? 0
      const spans = (s.spansInLeg.all(e.sessionId, prev, e.ts) as EventRow[])
        .map(eventFromRow)
        .filter((x) => copilotModel(x.model) === e.model)
      if (spans.length === 0) continue
      const sum = spans.reduce<Buckets>(
        (a, x) => ({
          input: a.input + x.input,
          output: a.output + x.output,
          cacheRead: a.cacheRead + x.cacheRead,
          cacheWrite: a.cacheWrite + x.cacheWrite,
        }),
        { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
      )
      const rest = less(e, sum)
      if (empty(rest)) {
        noteEmptyLeg(s, e.sessionId, { key: e.key, ts: e.ts })
        out.set(e.key, null)
      } else out.set(e.key, reprice({ ...e, ...rest, cacheWrite1h: 0 }))
      continue
    }
    if (e.source !== 'otlp' || e.agentId !== 'copilot-cli' || !e.key.startsWith('otlp:')) continue
    s ??= prepare(db)
    // The leg this span falls in: the first rollup of its session and model at or after it.
    const model = copilotModel(e.model)
    const later = (s.rollupsAfter.all(e.sessionId, e.ts) as EventRow[]).map(eventFromRow).filter((x) => x.model === model)
    const emptied = legsOf(s, e.sessionId).filter((l) => l.ts >= e.ts && copilotModel(ROLLUP_KEY.exec(l.key)?.[2]) === model)
    const first = later[0]
    if (!first || emptied.some((l) => l.ts < first.ts)) continue
    const current = out.get(first.key)
    if (current === null) continue
    const rollup = current ?? first
    const rest = less(rollup, e)
    stored.set(first.key, first)
    if (empty(rest)) {
      noteEmptyLeg(s, e.sessionId, { key: first.key, ts: first.ts })
      out.set(first.key, null)
    } else out.set(first.key, reprice({ ...rollup, ...rest, cacheWrite1h: 0 }))
  }
  return out
}
