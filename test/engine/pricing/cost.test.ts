import { describe, expect, it } from 'vitest'
import { costNanoUsd, promptTokens, ratesForPrompt } from '../../../src/engine/pricing/cost'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import type { ModelRates } from '../../../src/engine/pricing/types'
import { flatRates } from './fixtures'

const table = loadPriceTable()
const none = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0 }

function rates(model: string): ModelRates {
  const r = table.resolve(model)
  if (!r) throw new Error(`${model} is not priced`)
  return r
}

describe('costNanoUsd', () => {
  it('prices every bucket of claude-sonnet-4-20250514 at $3 / $15 / $0.30 / $3.75 (5m) / $6 (1h) per million', () => {
    const event = { input: 1000, output: 500, cacheRead: 20_000, cacheWrite: 3000, cacheWrite1h: 1000 }
    // 1000*3 + 500*15 + 20000*0.3 + 2000*3.75 + 1000*6 = 30,000 USD-per-million-tokens = $0.03
    expect(costNanoUsd(event, rates('claude-sonnet-4-20250514'))).toBe(30_000_000)
  })

  it('prices one token of each bucket exactly', () => {
    const r = rates('claude-haiku-4-5-20251001')
    expect(costNanoUsd({ ...none, input: 1 }, r)).toBe(1000)
    expect(costNanoUsd({ ...none, output: 1 }, r)).toBe(5000)
    expect(costNanoUsd({ ...none, cacheRead: 1 }, r)).toBe(100)
    expect(costNanoUsd({ ...none, cacheWrite: 1 }, r)).toBe(1250)
    expect(costNanoUsd({ ...none, cacheWrite: 1, cacheWrite1h: 1 }, r)).toBe(2000)
  })

  it('charges OpenAI cache writes at the input rate (no cache-write price)', () => {
    const event = { input: 100, output: 10, cacheRead: 1000, cacheWrite: 100, cacheWrite1h: 0 }
    // gpt-5.5: 100*5 + 10*30 + 1000*0.5 + 100*5 = 1800
    expect(costNanoUsd(event, rates('openai/gpt-5.5'))).toBe(1_800_000)
  })

  it('rounds once, half up, to the nano-dollar', () => {
    expect(costNanoUsd({ ...none, input: 1 }, flatRates({ input: 0.0375 }))).toBe(38)
    expect(costNanoUsd({ ...none, input: 3 }, flatRates({ input: 0.0001 }))).toBe(0)
    expect(costNanoUsd({ ...none, cacheRead: 1 }, flatRates({ cacheRead: 0.3 }))).toBe(300)
  })

  it('clamps a 1-hour part larger than cacheWrite to cacheWrite', () => {
    expect(costNanoUsd({ ...none, cacheWrite: 10, cacheWrite1h: 50 }, flatRates())).toBe(60_000)
  })

  it('is zero for an empty request', () => {
    expect(costNanoUsd(none, rates('claude-opus-4-6'))).toBe(0)
  })
})

describe('long-context tiers (claude-sonnet-4-5: above 200,000 prompt tokens)', () => {
  const r = rates('claude-sonnet-4-5-20250929')

  it('keeps base rates at exactly 200,000 prompt tokens', () => {
    const event = { input: 150_000, output: 1000, cacheRead: 40_000, cacheWrite: 10_000, cacheWrite1h: 0 }
    expect(promptTokens(event)).toBe(200_000)
    // 150000*3 + 1000*15 + 40000*0.3 + 10000*3.75 = 514,500
    expect(costNanoUsd(event, r)).toBe(514_500_000)
  })

  it('prices every bucket at the tier from 200,001 prompt tokens', () => {
    const event = { input: 150_001, output: 1000, cacheRead: 40_000, cacheWrite: 10_000, cacheWrite1h: 0 }
    // 150001*6 + 1000*22.5 + 40000*0.6 + 10000*7.5 = 1,021,506
    expect(costNanoUsd(event, r)).toBe(1_021_506_000)
  })

  it('counts cache reads and writes toward the prompt', () => {
    expect(costNanoUsd({ ...none, input: 1, cacheRead: 200_000 }, r)).toBe(120_006_000)
    expect(costNanoUsd({ ...none, cacheWrite: 200_001, cacheWrite1h: 200_001 }, r)).toBe(2_400_012_000)
  })

  it('does not count output toward the prompt', () => {
    expect(costNanoUsd({ ...none, input: 200_000, output: 10 }, r)).toBe(600_150_000)
  })
})

describe('ratesForPrompt', () => {
  const tiered = flatRates({
    tiers: [
      { aboveTokens: 100, input: 10, output: 10, cacheRead: 10, cacheWrite5m: 10, cacheWrite1h: 10 },
      { aboveTokens: 1000, input: 20, output: 20, cacheRead: 20, cacheWrite5m: 20, cacheWrite1h: 20 },
    ],
  })

  it('picks the highest tier whose threshold the prompt exceeds', () => {
    expect(ratesForPrompt(tiered, 100).input).toBe(3)
    expect(ratesForPrompt(tiered, 101).input).toBe(10)
    expect(ratesForPrompt(tiered, 1000).input).toBe(10)
    expect(ratesForPrompt(tiered, 1001).input).toBe(20)
  })
})
