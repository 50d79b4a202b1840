/** Report rows into stacked chart series. */
import { describe, expect, it } from 'vitest'
import type { ReportRow } from '../../src/shared/contract'
import { buildChartData, chartGroupBy, effectiveSplit, PALETTE } from '../../src/renderer/src/lib/chart-data'
import { costState } from '../../src/renderer/src/lib/format'
import { assignColors, loadColorBook, saveColorBook } from '../../src/renderer/src/lib/series-colors'

const f = (over: Partial<ReportRow>): ReportRow => ({
  input: 0,
  output: 0,
  cacheRead: 0,
  cacheWrite: 0,
  requests: 0,
  costUsd: 0,
  unpricedTokens: 0,
  ...over,
})
const KEYS = ['2026-03-05T10:00', '2026-03-05T11:00', '2026-03-05T12:00']

describe('buildChartData', () => {
  it('splits tokens into the four exclusive buckets, quiet hours as zeros', () => {
    const rows = [
      f({ hour: '2026-03-05T10:00', input: 1, output: 2, cacheRead: 3, cacheWrite: 4 }),
      f({ hour: '2026-03-05T12:00', input: 10 }),
    ]
    const d = buildChartData(rows, KEYS, 'hour', 'tokens', 'bucket')
    expect(d.keys).toEqual(KEYS)
    expect(d.datasets.map((s) => [s.label, s.data])).toEqual([
      ['Input', [1, 0, 10]],
      ['Output', [2, 0, 0]],
      ['Cache read', [3, 0, 0]],
      ['Cache write', [4, 0, 0]],
    ])
  })

  it('ranks series by the metric, folds the tail into Other and keeps colours by name', () => {
    const rows = ['a', 'b', 'c', 'd'].map((model, i) => f({ hour: '2026-03-05T11:00', model, costUsd: i + 1, requests: 10 - i }))
    const d = buildChartData(rows, KEYS, 'hour', 'cost', 'model', { maxSeries: 3, colorOrder: ['a', 'b', 'c', 'd'], unpricedModels: ['c'] })
    expect(d.datasets.map((s) => [s.label, s.data[1]])).toEqual([
      ['d', 4],
      ['c', 3],
      ['Other', 3],
    ])
    expect(d.datasets.map((s) => s.backgroundColor).slice(0, 2)).toEqual([PALETTE[3], PALETTE[2]])
    expect(d.datasets.map((s) => s.unpriced)).toEqual([false, true, false])
  })

  it('flags series with unpriced usage for every metric and split, not only cost', () => {
    const rows = [
      f({ hour: '2026-03-05T10:00', model: 'priced', agent: 'coder', input: 50, requests: 5, costUsd: 2 }),
      f({ hour: '2026-03-05T11:00', model: 'local', agent: 'eval', input: 70, requests: 3, unpricedTokens: 70 }),
    ]
    for (const metric of ['tokens', 'requests', 'cost'] as const) {
      const byModel = buildChartData(rows, KEYS, 'hour', metric, 'model', { unpricedModels: ['local'] })
      expect([metric, byModel.datasets.filter((s) => s.unpriced).map((s) => s.label)]).toEqual([metric, ['local']])
      // Split by agent: the agent that ran the unpriced model carries the flag.
      const byAgent = buildChartData(rows, KEYS, 'hour', metric, 'agent', { unpricedModels: ['local'] })
      expect([metric, byAgent.datasets.filter((s) => s.unpriced).map((s) => s.label)]).toEqual([metric, ['eval']])
    }
    // Folded into Other, the flag goes with it.
    const folded = buildChartData([...rows, f({ hour: '2026-03-05T12:00', model: 'big', input: 900 })], KEYS, 'hour', 'tokens', 'model', {
      unpricedModels: ['local'],
      maxSeries: 2,
    })
    expect(folded.datasets.map((s) => [s.label, s.unpriced])).toEqual([
      ['big', false],
      ['Other', true],
    ])
  })

  it('adds buckets the range did not predict instead of dropping their usage', () => {
    const d = buildChartData([f({ day: '2026-03-09', requests: 2, model: 'm' })], ['2026-03-08'], 'day', 'requests', 'model')
    expect(d.keys).toEqual(['2026-03-08', '2026-03-09'])
    expect(d.datasets[0]?.data).toEqual([0, 2])
  })
})

describe('chart grouping', () => {
  it('falls back from token type to model for cost and requests', () => {
    expect(effectiveSplit('cost', 'bucket')).toBe('model')
    expect(effectiveSplit('tokens', 'bucket')).toBe('bucket')
    expect(chartGroupBy('day', 'bucket')).toEqual(['day'])
    expect(chartGroupBy('hour', 'project')).toEqual(['hour', 'project'])
  })

  it('never calls unpriced usage free', () => {
    expect(costState({ costUsd: 0, unpricedTokens: 5 })).toBe('unpriced')
    expect(costState({ costUsd: 1, unpricedTokens: 5 })).toBe('partial')
    expect(costState({ costUsd: 0, unpricedTokens: 0 })).toBe('priced')
  })
})

describe('series colours', () => {
  it('a series keeps its colour while others come and go, and the ones shown never share', () => {
    let book = {}
    const show = (names: string[]): string[] => {
      const r = assignColors(book, 'model', names)
      book = r.book
      return names.map((n) => r.colors.get(n) ?? '?')
    }
    const [a, b, c] = show(['a', 'b', 'c'])
    expect(new Set([a, b, c]).size).toBe(3)
    // b goes away, d comes: a and c keep theirs, d gets a colour nobody had (not b's).
    const [a2, c2, d] = show(['a', 'c', 'd'])
    expect([a2, c2]).toEqual([a, c])
    expect([a, b, c]).not.toContain(d)
    // b comes back with its colour, ranked first now.
    expect(show(['b', 'd', 'a'])).toEqual([b, d, a])
    // Twelve names over time, ten colours: any eight shown together are all different.
    for (let i = 0; i < 12; i++) show([`m${i}`])
    for (const pick of [
      ['m0', 'm10', 'm1', 'm11', 'a', 'b', 'c', 'd'],
      ['m9', 'm10', 'm11', 'm0', 'm1', 'm2', 'm3', 'm4'],
    ]) {
      expect(new Set(show(pick)).size).toBe(pick.length)
    }
  })

  it('a new name takes its place among all values when that colour is free, so fresh pages agree', () => {
    const r = assignColors({}, 'agent', ['codex', 'claude-code'], (n) => ['claude-code', 'codex'].indexOf(n))
    expect([r.colors.get('claude-code'), r.colors.get('codex')]).toEqual([PALETTE[0], PALETTE[1]])
  })

  it('the book survives in storage and ignores what is not a colour index', () => {
    const mem = new Map<string, string>()
    const store = { getItem: (k: string) => mem.get(k) ?? null, setItem: (k: string, v: string) => void mem.set(k, v) }
    saveColorBook({ 'model\u0000a': 3 }, store)
    expect(loadColorBook(store)).toEqual({ 'model\u0000a': 3 })
    mem.set('tokenwatch.seriesColors', '{"model\\u0000a": 99, "model\\u0000b": 2}')
    expect(loadColorBook(store)).toEqual({ 'model\u0000b': 2 })
    mem.set('tokenwatch.seriesColors', 'not json')
    expect(loadColorBook(store)).toEqual({})
  })
})
