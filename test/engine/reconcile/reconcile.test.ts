import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { readProviderExport } from '../../../src/engine/sources/provider-export'
import { reconcile } from '../../../src/engine/reconcile/reconcile'
import type { UsageEvent } from '../../../src/shared/usage'
import { FIXTURES, tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

const fixture = (name: string): string => readFileSync(join(FIXTURES, 'reconcile', name), 'utf8')

/** A real store holding `events`, each costed at its `nano` (null = unpriced). */
function storeWith(events: { e: UsageEvent; nano: number | null }[]): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  const cost = new Map(events.map(({ e, nano }) => [e.key, nano]))
  applyBatch(store, [{ events: events.map((x) => x.e) }], (e) => cost.get(e.key) ?? null)
  return store
}

const usd = (n: number): number => Math.round(n * 1e9)

describe('reading provider exports', () => {
  it('Cursor\'s usage export: "Input (w/ Cache Write)" is the cache write, the four columns make the total', () => {
    const exp = readProviderExport(fixture('cursor_usage_export.csv'))
    expect(exp.kind).toBe('cursor')
    expect(exp.skipped).toEqual([])
    expect(exp.rows).toEqual([
      {
        day: '2025-11-13',
        model: 'auto',
        costUsd: 0.19,
        requests: null,
        tokens: { input: 775, cacheWrite: 28342, cacheRead: 105891, output: 21282 },
      },
      {
        day: '2025-11-13',
        model: 'gpt-5-codex',
        costUsd: 0.03,
        requests: null,
        tokens: { input: 8263, cacheWrite: 0, cacheRead: 66964, output: 1612 },
      },
    ])
  })

  it('Anthropic usage and cost: exclusive buckets; a bad date or a negative count skips that line, named', () => {
    const exp = readProviderExport(fixture('anthropic_usage_cost.csv'))
    expect(exp.kind).toBe('anthropic')
    expect(exp.rows).toHaveLength(5)
    expect(exp.rows[0]).toEqual({
      day: '2026-11-02',
      model: 'claude-sonnet-4-20250514',
      costUsd: 0.02,
      requests: null,
      tokens: { input: 1000, cacheWrite: 0, cacheRead: 5000, output: 500 },
    })
    expect(exp.skipped).toEqual([
      { line: 7, reason: 'no readable date' },
      { line: 8, reason: 'a token count is not a whole non-negative number' },
    ])
  })

  it("OpenAI's completions usage: cached input is inside input_tokens and is made exclusive; epoch start_time is the UTC day", () => {
    const exp = readProviderExport(fixture('openai_usage_completions.csv'))
    expect(exp).toEqual({
      kind: 'openai',
      skipped: [],
      rows: [
        {
          day: '2025-11-02',
          model: 'gpt-5-codex',
          costUsd: null,
          requests: 3,
          tokens: { input: 200, cacheRead: 800, output: 50, cacheWrite: 0 },
        },
      ],
    })
  })

  it('a file that is no known export is refused with its headers named', () => {
    expect(() => readProviderExport('when,what\n2026-01-01,x\n')).toThrow(/not a known provider export \(headers: when, what\)/)
    expect(() => readProviderExport('')).toThrow(/empty/)
  })
})

describe('reconciling an export with the store', () => {
  it('per UTC day and model: matches, unpriced models, token and price differences, billed-not-counted and counted-not-billed', () => {
    const store = storeWith([
      // 2026-11-02 Sonnet: two requests that add up to the billed line, at the billed price.
      { e: event('s1', '2026-11-02T09:00:00Z', { input: 600, cacheRead: 5000, output: 200 }), nano: usd(0.015) },
      { e: event('s2', '2026-11-02T23:59:00Z', { input: 400, cacheRead: 0, output: 300 }), nano: usd(0.005) },
      // Opus with no known price here.
      { e: event('o1', '2026-11-02T10:00:00Z', { model: 'claude-opus-4-6', input: 200, cacheRead: 0, output: 100 }), nano: null },
      // Haiku 3.5: fewer tokens seen here than billed.
      {
        e: event('h1', '2026-11-02T11:00:00Z', { model: 'claude-3-5-haiku-20241022', input: 60, cacheRead: 0, output: 50 }),
        nano: usd(0.0008),
      },
      // 2026-11-03 Sonnet: the same tokens, priced lower than billed.
      { e: event('s3', '2026-11-03T08:00:00Z', { input: 400, cacheRead: 0, output: 100 }), nano: usd(0.04) },
      // Counted here, not in the export.
      {
        e: event('g1', '2026-11-03T12:00:00Z', { model: 'gpt-5', source: 'codex', agentId: 'codex', input: 10, cacheRead: 0, output: 10 }),
        nano: usd(0.001),
      },
      // Outside the export's days: not part of the comparison.
      { e: event('late', '2026-11-04T00:00:00Z', { input: 1, cacheRead: 0, output: 1 }), nano: usd(9) },
    ])
    const r = reconcile(store, readProviderExport(fixture('anthropic_usage_cost.csv')))
    expect({ from: r.from, to: r.to }).toEqual({ from: '2026-11-02', to: '2026-11-03' })
    const pick = r.lines.map((l) => [
      l.day,
      l.model,
      l.reason,
      l.billedUsd,
      round(l.countedUsd),
      l.diffUsd === null ? null : round(l.diffUsd),
      l.billedTokens,
      l.countedTokens,
    ])
    expect(pick).toEqual([
      ['2026-11-02', 'claude-3-5-haiku-20241022', 'tokens-differ', 0.001, 0.0008, 0.0002, 150, 110],
      ['2026-11-02', 'claude-opus-4-6', 'unpriced', 1, 0, 1, 300, 300],
      ['2026-11-02', 'claude-sonnet-4-20250514', 'match', 0.02, 0.02, 0, 6500, 6500],
      ['2026-11-03', 'claude-haiku-4-5', 'not-counted', 0.01, 0, 0.01, 20, 0],
      ['2026-11-03', 'claude-sonnet-4-20250514', 'price-differs', 0.05, 0.04, 0.01, 500, 500],
      ['2026-11-03', 'gpt-5', 'not-billed', 0, 0.001, -0.001, 0, 20],
    ])
    expect(round(r.totals.billedUsd)).toBe(1.081)
    expect(round(r.totals.countedUsd)).toBe(0.0618)
    expect(round(r.totals.diffUsd)).toBe(1.0192)
    expect(r.skipped).toHaveLength(2)
    store.db.close()
  })

  it('an export without costs compares tokens; model names meet across snapshot dates and routing prefixes', () => {
    const store = storeWith([
      {
        e: event('c1', '2025-11-02T05:00:00Z', {
          model: 'openai/gpt-5-codex',
          source: 'codex',
          agentId: 'codex',
          input: 200,
          cacheRead: 800,
          output: 50,
        }),
        nano: usd(0.002),
      },
    ])
    const r = reconcile(store, readProviderExport(fixture('openai_usage_completions.csv')))
    expect(r.lines).toEqual([
      expect.objectContaining({
        day: '2025-11-02',
        model: 'gpt-5-codex',
        reason: 'match',
        billedUsd: null,
        diffUsd: null,
        billedTokens: 1050,
        countedTokens: 1050,
      }),
    ])
    store.db.close()
  })
})

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6
}
