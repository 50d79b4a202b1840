import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { defaultSnapshotPath, parseSnapshot, readSnapshot, snapshotPathCandidates } from '../../../src/engine/pricing/snapshot'
import { tinySnapshot } from './fixtures'

const ROOT = resolve(__dirname, '../../..')
const BUNDLED = join(ROOT, 'resources/prices/snapshot.json')

describe('the bundled snapshot', () => {
  const snapshot = readSnapshot(BUNDLED)

  it('records its source package, version and date', () => {
    expect(snapshot.source).toEqual({
      package: '@pydantic/genai-prices',
      version: '0.1.8',
      format: 'genai-prices',
      pricesAsOf: '2026-11-23',
      generated: '2026-11-23',
    })
  })

  it('stays small: under 300 KB, 236 models', () => {
    expect(statSync(BUNDLED).size).toBeLessThan(300 * 1024)
    expect(Object.keys(snapshot.models)).toHaveLength(236)
  })

  it('derives missing Anthropic cache prices by the documented multipliers only', () => {
    for (const [name, m] of Object.entries(snapshot.models)) {
      if (m.provider !== 'anthropic') continue
      if (m.derived?.includes('cacheWrite1h')) expect(m.cacheWrite1h, name).toBeCloseTo(2 * m.input, 9)
      if (m.derived?.includes('cacheWrite5m')) expect(m.cacheWrite5m, name).toBeCloseTo(1.25 * m.input, 9)
      if (m.derived?.includes('cacheRead')) expect(m.cacheRead, name).toBeCloseTo(0.1 * m.input, 9)
    }
    expect(snapshot.models['claude-2']?.derived).toEqual(['cacheRead', 'cacheWrite5m', 'cacheWrite1h'])
  })

  it('charges other providers the input rate where the source has no cache-write price', () => {
    for (const [name, m] of Object.entries(snapshot.models)) {
      if (m.provider !== 'anthropic' && m.derived?.includes('cacheWrite5m')) expect(m.cacheWrite5m, name).toBe(m.input)
    }
    expect(snapshot.models['gpt-5']).toMatchObject({ input: 1.25, cacheWrite5m: 1.25, derived: ['cacheWrite5m', 'cacheWrite1h'] })
  })

  it('is found from src/engine/pricing', () => {
    expect(defaultSnapshotPath()).toBe(BUNDLED)
  })
})

describe('snapshot path candidates', () => {
  it('cover bundles in out/cli and out/main/chunks, a packaged app and the cwd', () => {
    const fromCli = snapshotPathCandidates(join(ROOT, 'out/cli'))
    expect(fromCli).toContain(BUNDLED)
    expect(snapshotPathCandidates(join(ROOT, 'out/main/chunks'))).toContain(BUNDLED)
    expect(fromCli[fromCli.length - 1]).toBe(join(process.cwd(), 'resources/prices/snapshot.json'))
  })

  it('fail loudly, naming every place tried', () => {
    expect(() => defaultSnapshotPath(['/nowhere/a.json', '/nowhere/b.json'])).toThrow(/\/nowhere\/a\.json\n {2}\/nowhere\/b\.json/)
  })

  it('can be bypassed with an explicit snapshotPath', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'tw-prices-')), 'snap.json')
    writeFileSync(file, JSON.stringify(tinySnapshot({ 'only-model': { input: 4 } })))
    const t = loadPriceTable({ snapshotPath: file })
    expect(t.resolve('only-model')?.input).toBe(4)
    expect(t.resolve('claude-opus-4-6')).toBeUndefined()
  })
})

describe('parseSnapshot', () => {
  const good = tinySnapshot({ a: {} }, { b: 'a' })

  it('accepts a well-formed snapshot', () => {
    expect(parseSnapshot(JSON.parse(JSON.stringify(good)))).toEqual(good)
  })

  it('rejects negative or missing prices, bad tiers and dangling aliases', () => {
    const a = good.models['a']
    expect(() => parseSnapshot({ ...good, models: { a: { ...a, input: -1 } } })).toThrow('models.a.input')
    expect(() => parseSnapshot({ ...good, models: { a: { ...a, output: undefined } } })).toThrow('models.a.output')
    expect(() => parseSnapshot({ ...good, models: { a: { ...a, tiers: [{ aboveTokens: 1.5 }] } } })).toThrow('tiers[0].aboveTokens')
    expect(() => parseSnapshot({ ...good, aliases: { b: 'nope' } })).toThrow('aliases.b')
    expect(() => parseSnapshot({ ...good, schema: 2 })).toThrow('schema')
  })

  it('names the script that generated the bundled file', () => {
    const raw = JSON.parse(readFileSync(BUNDLED, 'utf8')) as { source: Record<string, string> }
    expect(raw.source.script).toBe('scripts/refresh-prices.mjs')
  })
})
