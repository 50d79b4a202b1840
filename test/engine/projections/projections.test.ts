import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { PROJECTIONS, rebuildProjections } from '../../../src/engine/projections'
import {
  ADD_MEASURES_ON_CONFLICT,
  DIMENSION_COLUMNS,
  MEASURE_COLUMNS,
  MEASURES,
  MEASURES_FROM_LEDGER,
} from '../../../src/engine/projections/measures'
import { ensureRollup } from '../../../src/engine/projections/rollup'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import type { UsageEvent } from '../../../src/shared/usage'
import { tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

/** Prices every token at 1 nano-USD, except the model `mystery` (unpriced). */
const cost = (e: UsageEvent) => (e.model === 'mystery' ? null : e.input + e.output + e.cacheRead + e.cacheWrite)

/** Every row of every projection's tables, change sequences and tombstones aside (a rebuild renews them by design). */
function snapshot(store: Store): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const p of PROJECTIONS) {
    for (const t of p.tables) {
      if (t === 'bucket_drops' || t === 'rollup_zones') continue
      const cols = (store.db.prepare(`SELECT name FROM pragma_table_info('${t}')`).all() as { name: string }[])
        .map((c) => c.name)
        .filter((c) => c !== 'change_seq')
      out[t] = store.db
        .prepare(`SELECT ${cols.join(', ')} FROM ${t} ORDER BY ${cols.join(', ')}`)
        .raw()
        .all()
    }
  }
  return out
}

function newStore(): Store {
  return openStore(join(tempDir(), 'tw.db'))
}

const H = 3_600_000
const T0 = Date.parse('2026-03-28T20:00:00Z') // the night Europe/Berlin springs forward

/** Three days of requests across sessions, agents, projects and models, one of them unpriced. */
function history(): UsageEvent[] {
  const out: UsageEvent[] = []
  for (let i = 0; i < 120; i++) {
    out.push(
      event(`k${i}`, T0 + i * 37 * 60_000, {
        sessionId: `s${i % 7}`,
        agentId: i % 3 === 0 ? 'codex' : 'claude-code',
        project: `/p/${(i % 7) % 4}`,
        model: i % 5 === 0 ? 'mystery' : i % 2 === 0 ? 'claude-opus-4-6' : 'claude-sonnet-4-5',
        input: 100 + i,
        output: 10 * i,
        cacheRead: i % 4 === 0 ? 1000 : 0,
        cacheWrite: i % 6 === 0 ? 50 : 0,
      }),
    )
  }
  return out
}

describe('projections: every derived table is its declared projection', () => {
  // Each commit's new records summed per record in JS, in SQL from the ledger rows it inserted
  // (what a large commit does), and both in turn (the corrections below always in JS).
  it.each([
    ['in JS', () => Infinity],
    ['in SQL', () => 0],
    ['in JS and SQL in turn', (i: number) => (i % 2 === 0 ? 0 : Infinity)],
  ])(
    'applied commit by commit (new records summed %s) equals rebuilt from the ledger, corrections and rollup zones included',
    (_, sqlSumsMin) => {
      const store = newStore()
      ensureRollup(store, 'Europe/Berlin')
      ensureRollup(store, 'Asia/Kolkata')
      const events = history()
      for (let i = 0; i < events.length; i += 17)
        applyBatch(store, [{ events: events.slice(i, i + 17) }], cost, Date.now(), undefined, { sqlSumsMin: sqlSumsMin(i / 17) })
      // A commit of new records and corrections at once (a key seen before, grown).
      applyBatch(
        store,
        [
          {
            events: [
              event('k200', T0 + 50 * H, { sessionId: 's1', output: 7 }),
              event('k5', events[5]?.ts ?? 0, { ...pick(events[5]), output: 777 }),
            ],
          },
        ],
        cost,
        Date.now(),
        undefined,
        { sqlSumsMin: sqlSumsMin(1) === 0 ? 0 : Infinity },
      )
      // Corrections: the same keys seen again with more (a streamed line grown), at another time
      // (moving rows, spans and a day), and under another model (moving every aggregate).
      applyBatch(
        store,
        [
          {
            events: [
              event('k3', T0 + 3 * 37 * 60_000, { ...pick(events[3]), output: 9999 }),
              event('k10', T0 + 30 * H, { ...pick(events[10]), output: 10_000 }),
              event('k11', events[11]?.ts ?? 0, { ...pick(events[11]), model: 'mystery', output: 20_000 }),
            ],
          },
        ],
        cost,
      )
      const incremental = snapshot(store)
      expect(Object.values(incremental).every((rows) => rows.length > 0)).toBe(true)
      store.db.transaction(() => rebuildProjections(store))()
      expect(snapshot(store)).toEqual(incremental)
      store.close()
    },
  )

  it('a re-cost rebuilds only the projections that hold cost, for one model', () => {
    expect(PROJECTIONS.filter((p) => p.costed).map((p) => p.name)).toEqual(['quarter-hour aggregates', 'local-day rollups'])
    const store = newStore()
    ensureRollup(store, 'UTC')
    applyBatch(store, [{ events: history() }], cost)
    const before = snapshot(store)
    store.db.prepare("UPDATE usage_events SET cost_nusd = 0 WHERE model = 'claude-opus-4-6'").run()
    store.db.transaction(() => rebuildProjections(store, { model: 'claude-opus-4-6', costedOnly: true }))()
    const after = snapshot(store)
    const opusCost = (rows: unknown[]) => (rows as unknown[][]).filter((r) => r.includes('claude-opus-4-6')).map((r) => r.at(-3))
    expect(opusCost(after.usage_buckets ?? []).every((c) => c === 0)).toBe(true)
    expect(opusCost(before.usage_buckets ?? []).some((c) => c !== 0)).toBe(true)
    // The other models' rows and the sessions are untouched.
    const others = (rows: unknown[]) => (rows as unknown[][]).filter((r) => !r.includes('claude-opus-4-6'))
    expect(others(after.usage_buckets ?? [])).toEqual(others(before.usage_buckets ?? []))
    expect(after.sessions).toEqual(before.sessions)
    store.close()
  })

  it('generates its SQL from the one table of measures and dimensions', () => {
    expect(DIMENSION_COLUMNS).toBe('source, user_id, agent_id, project, model')
    expect(MEASURE_COLUMNS).toBe('input, output, cache_read, cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests')
    expect(MEASURES_FROM_LEDGER.split(', ').length).toBeGreaterThanOrEqual(MEASURES.length)
    expect(ADD_MEASURES_ON_CONFLICT).toContain('unpriced_requests = unpriced_requests + excluded.unpriced_requests')
    // The aggregate tables hold exactly these columns (the migrations and the table agree).
    const store = newStore()
    for (const t of ['usage_buckets', 'usage_days']) {
      const cols = (store.db.prepare(`SELECT name FROM pragma_table_info('${t}')`).all() as { name: string }[]).map((c) => c.name)
      for (const c of [...DIMENSION_COLUMNS.split(', '), ...MEASURE_COLUMNS.split(', ')]) expect(cols).toContain(c)
    }
    store.close()
  })
})

/** An event's names and session, to see the same request again. */
function pick(e: UsageEvent | undefined): Partial<UsageEvent> {
  if (!e) throw new Error('no such event')
  return {
    sessionId: e.sessionId,
    agentId: e.agentId,
    project: e.project,
    model: e.model,
    input: e.input,
    cacheRead: e.cacheRead,
    cacheWrite: e.cacheWrite,
  }
}
