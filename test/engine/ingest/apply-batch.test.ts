import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { applyBatch, type FileCheckpoint } from '../../../src/engine/ingest/apply-batch'
import { carriesMore, mergeRecords } from '../../../src/engine/ingest/merge'
import { bucketOf, hourOf, type LedgerEvent } from '../../../src/engine/store/ledger'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { runReport } from '../../../src/engine/query/report'
import { unpricedModels } from '../../../src/engine/query/status'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { tempDir } from '../../helpers/temp'
import { bucketTotals, event, expectAggregatesMatchLedger, fileRow, ledgerTotals } from './support'

const T = (iso: string) => Date.parse(iso)

function newStore(): { store: Store; path: string } {
  const path = join(tempDir(), 'tw.db')
  return { store: openStore(path), path }
}

function ledger(store: Store, key: string) {
  return store.db.prepare('SELECT * FROM usage_events WHERE key = ?').get(key) as Record<string, unknown> | undefined
}

function buckets(store: Store) {
  return store.db
    .prepare(
      `SELECT bucket_start, model, input, output, cache_read, cache_write, requests, cost_nusd,
    unpriced_tokens, unpriced_requests FROM usage_buckets ORDER BY bucket_start, model`,
    )
    .all()
}

function checkpoint(path: string, expectOffset: number | null, offset: number, extra: Partial<FileCheckpoint> = {}): FileCheckpoint {
  return {
    path,
    source: 'claude-code',
    expectOffset,
    offset,
    size: offset,
    mtimeMs: 1,
    ino: 7,
    fingerprint: 'fp',
    state: '{}',
    lines: 1,
    events: 1,
    skipped: 0,
    skipReasons: {},
    rewritten: false,
    ...extra,
  }
}

/** A coster that prices every token at 1 nano-USD, so costs are easy to check. */
const perToken = (e: { input: number; output: number; cacheRead: number; cacheWrite: number }) =>
  e.input + e.output + e.cacheRead + e.cacheWrite

describe('merge rule', () => {
  const base: LedgerEvent = { ...event('k', '2026-03-01T10:00:00Z'), costNanoUsd: 1 }
  it('larger output wins; a tie goes to the larger total; equal records change nothing', () => {
    expect(carriesMore({ ...base, output: 6 }, base)).toBe(true)
    expect(carriesMore({ ...base, output: 4, input: 1e6 }, base)).toBe(false)
    expect(carriesMore({ ...base, cacheRead: 101 }, base)).toBe(true)
    expect(carriesMore(base, base)).toBe(false)
    expect(mergeRecords(base, { ...base })).toBeNull()
  })

  it('keeps the earlier instant and dimensions, the tokens, model and cost of the record that carries more', () => {
    const later: LedgerEvent = {
      ...base,
      ts: base.ts + 5000,
      output: 50,
      project: '/other',
      model: 'm2',
      costNanoUsd: 9,
      reportedCostUsd: 0.5,
    }
    const m = mergeRecords(base, later)
    expect(m).toEqual({ ...base, output: 50, model: 'm2', costNanoUsd: 9, reportedCostUsd: 0.5 })
    // Seen in the other order the outcome is the same.
    expect(mergeRecords(later, base)).toEqual({ ...m, key: later.key })
  })

  it('buckets and hours are UTC quarter-hours and hours, also before 1970', () => {
    expect(bucketOf(T('2026-03-01T10:29:59.999Z'))).toBe(T('2026-03-01T10:15:00Z'))
    expect(hourOf(T('2026-03-01T10:59:59.999Z'))).toBe(T('2026-03-01T10:00:00Z'))
    expect(bucketOf(-1)).toBe(-900_000)
    expect(hourOf(-1)).toBe(-3_600_000)
  })
})

describe('applyBatch: dedup ledger and aggregates', () => {
  const lines = [
    // A streamed message: output grows 1 -> 9 -> 7 (a late, smaller replay), first line at 10:14:50.
    event('cc:m1:r1', '2026-03-01T10:14:50Z', { output: 1 }),
    event('cc:m1:r1', '2026-03-01T10:14:55Z', { output: 9 }),
    event('cc:m1:r1', '2026-03-01T10:15:10Z', { output: 7 }),
    event('cc:m2:r2', '2026-03-01T10:16:00Z', { output: 3, input: 4, cacheRead: 0, cacheWrite: 30 }),
  ]
  const expected = { input: 14, output: 12, cacheRead: 100, cacheWrite: 30, requests: 2 }

  function checkFinal(store: Store): void {
    expect(ledgerTotals(store)).toEqual(expected)
    expect(bucketTotals(store)).toEqual(expected)
    expect(ledger(store, 'cc:m1:r1')).toMatchObject({ ts: T('2026-03-01T10:14:50Z'), output: 9, cost_nusd: 119 })
    expect(buckets(store)).toEqual([
      {
        bucket_start: T('2026-03-01T10:00:00Z'),
        model: 'claude-sonnet-4-20250514',
        input: 10,
        output: 9,
        cache_read: 100,
        cache_write: 0,
        requests: 1,
        cost_nusd: 119,
        unpriced_tokens: 0,
        unpriced_requests: 0,
      },
      {
        bucket_start: T('2026-03-01T10:15:00Z'),
        model: 'claude-sonnet-4-20250514',
        input: 4,
        output: 3,
        cache_read: 0,
        cache_write: 30,
        requests: 1,
        cost_nusd: 37,
        unpriced_tokens: 0,
        unpriced_requests: 0,
      },
    ])
    expectAggregatesMatchLedger(store)
  }

  it('streamed duplicates within one batch count once, with the largest output and the first instant', () => {
    const { store } = newStore()
    const r = applyBatch(store, [{ events: lines }], perToken)
    expect(r).toMatchObject({ inserted: 2, updated: 0, duplicates: 2, stale: [] })
    expect([...r.hours]).toEqual([T('2026-03-01T10:00:00Z')])
    checkFinal(store)
  })

  it('the same lines spread over batches (one per batch) give the same store', () => {
    const { store } = newStore()
    const results = lines.map((l) => applyBatch(store, [{ events: [l] }], perToken))
    expect(results.map((r) => [r.inserted, r.updated, r.duplicates])).toEqual([
      [1, 0, 0],
      [0, 1, 1],
      [0, 0, 1],
      [1, 0, 0],
    ])
    checkFinal(store)
  })

  it('the same lines across a close and reopen (an app restart) give the same store', () => {
    const { store, path } = newStore()
    applyBatch(store, [{ events: lines.slice(0, 1) }], perToken)
    store.close()
    const again = openStore(path)
    applyBatch(again, [{ events: lines.slice(1) }], perToken)
    applyBatch(again, [{ events: lines }], perToken) // and everything once more: nothing changes
    checkFinal(again)
    again.close()
  })

  it('a correction that moves the first instant to another quarter-hour (and hour) moves its aggregate', () => {
    const { store } = newStore()
    applyBatch(store, [{ events: [event('k', '2026-03-01T11:05:00Z', { output: 5 })] }], perToken)
    // The same key seen with an earlier instant (a replay written out of order) and more output.
    const r = applyBatch(store, [{ events: [event('k', '2026-03-01T10:50:00Z', { output: 8 })] }], perToken)
    expect([...r.hours].sort()).toEqual([T('2026-03-01T10:00:00Z'), T('2026-03-01T11:00:00Z')])
    expect(buckets(store)).toEqual([
      {
        bucket_start: T('2026-03-01T10:45:00Z'),
        model: 'claude-sonnet-4-20250514',
        input: 10,
        output: 8,
        cache_read: 100,
        cache_write: 0,
        requests: 1,
        cost_nusd: 118,
        unpriced_tokens: 0,
        unpriced_requests: 0,
      },
    ])
    // The emptied 11:00 row is gone, not left as a zero (or negative) row.
    expect(store.db.prepare('SELECT count(*) FROM usage_buckets WHERE bucket_start = ?').pluck().get(T('2026-03-01T11:00:00Z'))).toBe(0)
    expectAggregatesMatchLedger(store)
    // An earlier instant with less output: tokens stay, the instant still moves to the earlier one.
    applyBatch(store, [{ events: [event('k', '2026-03-01T09:59:00Z', { output: 2 })] }], perToken)
    expect(ledger(store, 'k')).toMatchObject({ ts: T('2026-03-01T09:59:00Z'), output: 8 })
    expectAggregatesMatchLedger(store)
    expect(runReport(store, { tz: 'UTC', groupBy: ['hour'] }).rows.map((x) => [x.hour, x.output, x.requests])).toEqual([
      ['2026-03-01T09:00', 8, 1],
    ])
  })

  it('a correction that changes the model moves the tokens between model rows', () => {
    const { store } = newStore()
    applyBatch(store, [{ events: [event('k', '2026-03-01T10:00:00Z', { output: 1, model: 'a' })] }], perToken)
    applyBatch(store, [{ events: [event('k', '2026-03-01T10:00:01Z', { output: 2, model: 'b' })] }], perToken)
    expect(buckets(store)).toEqual([
      {
        bucket_start: T('2026-03-01T10:00:00Z'),
        model: 'b',
        input: 10,
        output: 2,
        cache_read: 100,
        cache_write: 0,
        requests: 1,
        cost_nusd: 112,
        unpriced_tokens: 0,
        unpriced_requests: 0,
      },
    ])
    expectAggregatesMatchLedger(store)
  })

  it('unpriced tokens are counted as unpriced, never as cost 0, and corrected like the rest', () => {
    const { store } = newStore()
    const coster = (e: { model: string; input: number; output: number; cacheRead: number; cacheWrite: number }) =>
      e.model === 'mystery' ? null : perToken(e)
    applyBatch(
      store,
      [
        {
          events: [event('a', '2026-03-01T10:00:00Z', { model: 'mystery', output: 5 }), event('b', '2026-03-01T10:01:00Z', { output: 5 })],
        },
      ],
      coster,
    )
    expect(ledger(store, 'a')).toMatchObject({ cost_nusd: null })
    applyBatch(store, [{ events: [event('a', '2026-03-01T10:00:02Z', { model: 'mystery', output: 50 })] }], coster)
    expect(buckets(store)).toEqual([
      {
        bucket_start: T('2026-03-01T10:00:00Z'),
        model: 'claude-sonnet-4-20250514',
        input: 10,
        output: 5,
        cache_read: 100,
        cache_write: 0,
        requests: 1,
        cost_nusd: 115,
        unpriced_tokens: 0,
        unpriced_requests: 0,
      },
      {
        bucket_start: T('2026-03-01T10:00:00Z'),
        model: 'mystery',
        input: 10,
        output: 50,
        cache_read: 100,
        cache_write: 0,
        requests: 1,
        cost_nusd: 0,
        unpriced_tokens: 160,
        unpriced_requests: 1,
      },
    ])
    expectAggregatesMatchLedger(store)
    const report = runReport(store, { tz: 'UTC', groupBy: ['model'] })
    expect(report.totals).toMatchObject({ requests: 2, costUsd: 115e-9, unpricedTokens: 160 })
    expect(report.unpricedModels).toEqual(['mystery'])
    expect(unpricedModels(store, loadPriceTable())).toEqual(['mystery'])
    // The same through the ledger (session grouping): the same figures.
    const bySession = runReport(store, { tz: 'UTC', groupBy: ['session'] })
    expect(bySession.totals).toEqual(report.totals)
    expect(bySession.unpricedModels).toEqual(['mystery'])
  })

  it('a reported cost is kept in nano-USD and round-trips through a correction', () => {
    const { store } = newStore()
    const coster = (e: { reportedCostUsd?: number }) => (e.reportedCostUsd === undefined ? null : Math.round(e.reportedCostUsd * 1e9))
    applyBatch(store, [{ events: [event('a', '2026-03-01T10:00:00Z', { reportedCostUsd: 0.12 })] }], coster)
    // A re-seen key that carries less leaves the record (and its reported cost) alone.
    applyBatch(store, [{ events: [event('a', '2026-03-01T10:00:00Z', { output: 1 })] }], coster)
    expect(ledger(store, 'a')).toMatchObject({ reported_cost_nusd: 120_000_000, cost_nusd: 120_000_000 })
    expectAggregatesMatchLedger(store)
  })

  it('sessions keep the first and last instant', () => {
    const { store } = newStore()
    applyBatch(store, [{ events: [event('a', '2026-03-01T10:00:00Z'), event('b', '2026-03-01T12:00:00Z')] }], perToken)
    applyBatch(store, [{ events: [event('c', '2026-03-01T09:00:00Z')] }], perToken)
    expect(store.db.prepare('SELECT session_id, first_ts, last_ts FROM sessions').all()).toEqual([
      { session_id: 'sess-1', first_ts: T('2026-03-01T09:00:00Z'), last_ts: T('2026-03-01T12:00:00Z') },
    ])
  })
})

describe('applyBatch: file offsets and the stale-offset guard', () => {
  it('records the checkpoint with the events; a batch whose expectOffset is not the stored one is dropped whole', () => {
    const { store } = newStore()
    const f = '/logs/a.jsonl'
    const first = applyBatch(store, [{ file: checkpoint(f, null, 100), events: [event('a', '2026-03-01T10:00:00Z')] }], perToken)
    expect(first.stale).toEqual([])
    expect(fileRow(store, f)).toMatchObject({ offset: 100, lines: 1, events: 1 })

    // A second writer that also started from "new file", or from an older offset: dropped whole.
    for (const expectOffset of [null, 0, 50]) {
      const r = applyBatch(store, [{ file: checkpoint(f, expectOffset, 200), events: [event('b', '2026-03-01T10:00:00Z')] }], perToken)
      expect(r).toMatchObject({ stale: [f], inserted: 0, duplicates: 0 })
    }
    expect(ledgerTotals(store).requests).toBe(1)
    expect(fileRow(store, f)).toMatchObject({ offset: 100, lines: 1, events: 1 })

    // Mixed: the stale file's events are dropped, the other file's applied, in the same transaction.
    const r = applyBatch(
      store,
      [
        { file: checkpoint(f, 0, 300), events: [event('c', '2026-03-01T10:00:00Z')] },
        { file: checkpoint('/logs/b.jsonl', null, 40), events: [event('d', '2026-03-01T10:00:00Z')] },
        { file: checkpoint(f, 100, 200), events: [event('e', '2026-03-01T10:00:00Z')] },
        // The same file read on within the batch: its expectOffset is the one just recorded.
        { file: checkpoint(f, 200, 250), events: [event('f', '2026-03-01T10:00:00Z')] },
      ],
      perToken,
    )
    expect(r).toMatchObject({ stale: [f], inserted: 3 })
    expect(store.db.prepare('SELECT key FROM usage_events ORDER BY key').pluck().all()).toEqual(['a', 'd', 'e', 'f'])
    expect(fileRow(store, f)).toMatchObject({ offset: 250, lines: 3, events: 3 })
    expectAggregatesMatchLedger(store)
  })

  it('a batch that throws part-way leaves nothing behind (events, aggregates and offsets together)', () => {
    const { store } = newStore()
    const f = '/logs/a.jsonl'
    applyBatch(store, [{ file: checkpoint(f, null, 100), events: [event('a', '2026-03-01T10:00:00Z')] }], perToken)
    const before = { t: ledgerTotals(store), b: bucketTotals(store), f: fileRow(store, f) }
    let n = 0
    const failing = (e: Parameters<typeof perToken>[0]) => {
      if (++n === 3) throw new Error('disk on fire')
      return perToken(e)
    }
    expect(() =>
      applyBatch(
        store,
        [
          {
            file: checkpoint(f, 100, 200),
            events: [
              event('b', '2026-03-01T10:00:00Z'),
              event('a', '2026-03-01T10:00:00Z', { output: 99 }),
              event('c', '2026-03-01T10:00:00Z'),
            ],
          },
        ],
        failing,
      ),
    ).toThrow('disk on fire')
    expect({ t: ledgerTotals(store), b: bucketTotals(store), f: fileRow(store, f) }).toEqual(before)

    // A crash right after the batch, before its caller's transaction commits, is the same thing.
    expect(() =>
      store.db.transaction(() => {
        applyBatch(store, [{ file: checkpoint(f, 100, 200), events: [event('b', '2026-03-01T10:00:00Z')] }], perToken)
        throw new Error('killed')
      })(),
    ).toThrow('killed')
    expect({ t: ledgerTotals(store), b: bucketTotals(store), f: fileRow(store, f) }).toEqual(before)

    // Redoing the batch after the "crash" counts it exactly once.
    applyBatch(store, [{ file: checkpoint(f, 100, 200), events: [event('b', '2026-03-01T10:00:00Z')] }], perToken)
    applyBatch(store, [{ file: checkpoint(f, 100, 200), events: [event('b', '2026-03-01T10:00:00Z')] }], perToken)
    expect(ledgerTotals(store).requests).toBe(2)
    expectAggregatesMatchLedger(store)
  })

  it('log batches commit with synchronous=NORMAL (their offsets roll back with them), pushed events with FULL', () => {
    const { store } = newStore()
    const sync = () => store.db.pragma('synchronous', { simple: true })
    applyBatch(store, [{ file: checkpoint('/logs/a.jsonl', null, 10), events: [event('a', '2026-03-01T10:00:00Z')] }], perToken)
    expect(sync()).toBe(1)
    applyBatch(store, [{ events: [event('b', '2026-03-01T10:00:00Z', { source: 'socket' })] }], perToken)
    expect(sync()).toBe(2)
    // A batch mixing both is as durable as its most demanding part.
    applyBatch(
      store,
      [{ file: checkpoint('/logs/a.jsonl', 10, 20), events: [] }, { events: [event('c', '2026-03-01T10:00:00Z')] }],
      perToken,
    )
    expect(sync()).toBe(2)
  })

  it('per-file problem counts add up per reason across reads, and restart from the re-read after a rewrite', () => {
    const { store } = newStore()
    const f = '/logs/a.jsonl'
    applyBatch(
      store,
      [
        {
          file: checkpoint(f, null, 100, { lines: 3, events: 1, skipped: 2, skipReasons: { 'malformed-json': 1, 'bad-field': 1 } }),
          events: [],
        },
      ],
      perToken,
    )
    applyBatch(
      store,
      [
        {
          file: checkpoint(f, 100, 200, { lines: 2, events: 0, skipped: 2, skipReasons: { 'malformed-json': 1, 'invalid-utf8': 1 } }),
          events: [],
        },
      ],
      perToken,
    )
    expect(fileRow(store, f)).toMatchObject({
      lines: 5,
      events: 1,
      skipped: 4,
      skipReasons: { 'malformed-json': 2, 'bad-field': 1, 'invalid-utf8': 1 },
    })
    // The file was rewritten: the read restarted at 0 and saw every line again.
    applyBatch(
      store,
      [
        {
          file: checkpoint(f, 200, 150, { lines: 4, events: 1, skipped: 1, skipReasons: { 'malformed-json': 1 }, rewritten: true }),
          events: [],
        },
      ],
      perToken,
    )
    expect(fileRow(store, f)).toMatchObject({
      offset: 150,
      lines: 4,
      events: 1,
      skipped: 1,
      skipReasons: { 'malformed-json': 1 },
      rewrites: 1,
    })
  })
})
