import { describe, expect, it } from 'vitest'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { readSnapshot, defaultSnapshotPath } from '../../../src/engine/pricing/snapshot'
import { tinySnapshot } from './fixtures'

const table = loadPriceTable()
const matched = (model: string): string | undefined => table.resolve(model)?.matched

describe('bundled snapshot: exact and alias matches', () => {
  it('prices claude-sonnet-4-20250514 at the values in the snapshot', () => {
    expect(table.resolve('claude-sonnet-4-20250514')).toEqual({
      input: 3,
      output: 15,
      cacheRead: 0.3,
      cacheWrite5m: 3.75,
      cacheWrite1h: 6,
      matched: 'claude-sonnet-4-0',
      origin: 'snapshot',
      tiers: [],
    })
  })

  it.each([
    ['anthropic/claude-sonnet-4-20250514', 'claude-sonnet-4-0'],
    ['us.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4-0'],
    ['bedrock/global.anthropic.claude-sonnet-4-20250514-v1:0', 'claude-sonnet-4-0'],
    ['vertex_ai/claude-sonnet-4@20250514', 'claude-sonnet-4-0'],
    ['claude-opus-4-6', 'claude-opus-4-6'],
    ['claude-opus-4', 'claude-opus-4-0'],
    ['claude-opus-4-6[1m]', 'claude-opus-4-6'],
    ['CLAUDE-OPUS-4-6', 'claude-opus-4-6'],
    ['claude-haiku-4-5-20251001', 'claude-haiku-4-5'],
    ['claude-3-7-sonnet-20250219', 'claude-3-7-sonnet-latest'],
    ['anthropic.claude-3-5-sonnet-20241022-v2:0', 'claude-3-5-sonnet'],
    ['gpt-5', 'gpt-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['gpt-5-codex', 'gpt-5'],
    ['gpt-5.2-codex', 'gpt-5.2'],
    ['gpt-5.3-codex', 'gpt-5.3-codex'],
    ['openai/gpt-5.5', 'gpt-5.5'],
    ['openrouter/openai/gpt-5.5', 'gpt-5.5'],
    ['gemini-2.5-pro', 'gemini-2.5-pro'],
    ['google/gemini-2.5-flash', 'gemini-2.5-flash'],
  ])('%s -> %s', (model, entry) => {
    expect(matched(model)).toBe(entry)
  })

  it('carries long-context tiers from the snapshot', () => {
    expect(table.resolve('gemini-2.5-pro')?.tiers).toEqual([
      { aboveTokens: 200_000, input: 2.5, output: 15, cacheRead: 0.25, cacheWrite5m: 2.5, cacheWrite1h: 2.5 },
    ])
    expect(table.resolve('gpt-5.5')?.tiers.map((t) => t.aboveTokens)).toEqual([271_999])
  })

  it.each([
    'claude-opus-4-6-experimental',
    'claude-opus',
    'claude-sonnet-4-5-experimental',
    'gpt-5.2-codex-turbo',
    'gpt',
    'my-local-model',
    'constructor',
    '',
    'deepseek-chat', // excluded on purpose: its price depends on the time of day
  ])('never guesses: %s is unpriced', (model) => {
    expect(table.resolve(model)).toBeUndefined()
  })

  it('does not let gpt-5 and gpt-5.2-codex share a price', () => {
    expect(table.resolve('gpt-5')?.input).toBe(1.25)
    expect(table.resolve('gpt-5.2-codex')?.input).toBe(1.75)
  })

  it('returns frozen rates, the same object for the same model', () => {
    const r = table.resolve('claude-opus-4-6')
    expect(Object.isFrozen(r)).toBe(true)
    expect(table.resolve('claude-opus-4-6')).toBe(r)
  })
})

describe('dated entries', () => {
  const t = loadPriceTable({
    snapshot: tinySnapshot({
      'claude-foo-4-20250101': { input: 7 },
      'claude-bar-20250101': {},
      'claude-bar-20250601': {},
    }),
  })

  it('maps an undated name to its one dated entry', () => {
    expect(t.resolve('claude-foo-4')?.matched).toBe('claude-foo-4-20250101')
    expect(t.resolve('anthropic/claude-foo-4')?.input).toBe(7)
  })

  it('refuses when several dated entries fit', () => {
    expect(t.resolve('claude-bar')).toBeUndefined()
  })

  it('never maps one dated name to another date', () => {
    expect(t.resolve('claude-foo-4-20991231')).toBeUndefined()
  })
})

describe('overrides', () => {
  it('win over the snapshot after normalization and fill cache prices by the Anthropic rule', () => {
    const t = loadPriceTable({ overrides: [{ model: 'claude-sonnet-4', input: 1, output: 2 }] })
    expect(t.resolve('anthropic/claude-sonnet-4-20250514')).toEqual({
      input: 1,
      output: 2,
      cacheRead: 0.1,
      cacheWrite5m: 1.25,
      cacheWrite1h: 2,
      matched: 'claude-sonnet-4',
      origin: 'override',
      tiers: [],
    })
  })

  it('charge missing cache prices at the input rate for other providers, and keep given ones', () => {
    const t = loadPriceTable({ overrides: [{ model: 'openai/gpt-5.5', input: 4, output: 20, cacheRead: 0.4 }] })
    expect(t.resolve('gpt-5.5')).toMatchObject({ input: 4, cacheRead: 0.4, cacheWrite5m: 4, cacheWrite1h: 4, tiers: [] })
  })

  it('price models the snapshot does not know, and match them exactly', () => {
    const t = loadPriceTable({
      overrides: [
        { model: 'my-local-model', input: 0, output: 0 },
        { model: 'gpt-5', input: 9, output: 9 },
      ],
    })
    expect(t.resolve('my-local-model')?.origin).toBe('override')
    expect(t.resolve('my-local-model-large')).toBeUndefined()
    expect(t.resolve('gpt-5.2-codex')).toMatchObject({ origin: 'snapshot', matched: 'gpt-5.2' })
  })

  it('prefer the exact name, then the later override for a shared normalized name', () => {
    const t = loadPriceTable({
      overrides: [
        { model: 'claude-sonnet-4-20250514', input: 1, output: 1 },
        { model: 'claude-sonnet-4-20250929', input: 2, output: 2 },
      ],
    })
    expect(t.resolve('claude-sonnet-4-20250514')?.input).toBe(1)
    expect(t.resolve('claude-sonnet-4-20250929')?.input).toBe(2)
    expect(t.resolve('claude-sonnet-4')?.input).toBe(2)
  })

  it('skip invalid entries and report them', () => {
    const bad = [
      { model: '', input: 1, output: 1 },
      { model: 'claude-opus-4-6', input: -1, output: 1 },
      { model: 'claude-opus-4-6', input: 1, output: Number.NaN },
    ]
    const t = loadPriceTable({ overrides: bad })
    expect(t.rejectedOverrides).toEqual(bad)
    expect(t.resolve('claude-opus-4-6')?.origin).toBe('snapshot')
    expect(t.version).toBe(table.version)
  })
})

describe('version', () => {
  it('names the source and is stable for the same inputs', () => {
    expect(table.version).toMatch(/^@pydantic\/genai-prices@0\.1\.8\/2026-11-23\/[0-9a-f]{16}$/)
    expect(loadPriceTable().version).toBe(table.version)
  })

  it('changes when overrides change', () => {
    const a = loadPriceTable({ overrides: [{ model: 'gpt-5', input: 1, output: 2 }] }).version
    const b = loadPriceTable({ overrides: [{ model: 'gpt-5', input: 1, output: 3 }] }).version
    expect(new Set([table.version, a, b]).size).toBe(3)
  })

  it('changes when the snapshot changes', () => {
    const snapshot = readSnapshot(defaultSnapshotPath())
    const base = loadPriceTable({ snapshot }).version
    expect(base).toBe(table.version)
    const model = snapshot.models['gpt-5']
    if (!model) throw new Error('gpt-5 missing from the snapshot')
    const changed = { ...snapshot, models: { ...snapshot.models, 'gpt-5': { ...model, output: 11 } } }
    expect(loadPriceTable({ snapshot: changed }).version).not.toBe(base)
  })
})
