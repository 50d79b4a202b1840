/** Cost of one usage event in integer nano-USD (1e-9 USD). */
import type { UsageEvent } from '../../shared/usage'
import type { BucketRates, ModelRates } from './types'

/** The token counts a cost depends on. */
export type BilledTokens = Pick<UsageEvent, 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'cacheWrite1h'>

/** The prompt size that selects a long-context tier: input + cacheRead + cacheWrite. */
export function promptTokens(t: BilledTokens): number {
  return t.input + t.cacheRead + t.cacheWrite
}

/** The rates for a request of this prompt size: the highest tier whose threshold it exceeds, else the base. */
export function ratesForPrompt(rates: ModelRates, prompt: number): BucketRates {
  let chosen: BucketRates = rates
  for (const tier of rates.tiers) if (prompt > tier.aboveTokens) chosen = tier
  return chosen
}

/**
 * USD per million tokens as integer pico-USD per token (1 USD/M = 1e6 pUSD/token). Rates carry at
 * most 6 decimals in practice, so this is exact and the sum below is integer arithmetic.
 */
function picoPerToken(usdPerMillion: number): number {
  return Math.round(usdPerMillion * 1e6)
}

/**
 * Integer nano-USD cost of one request: round(sum of tokens x USD-per-million x 1000), with every
 * bucket at the rates of the tier its prompt selects. The 1-hour part of cacheWrite is priced at
 * the 1-hour rate, the rest at the 5-minute rate. Sum these integers across events, never USD floats.
 */
export function costNanoUsd(event: BilledTokens, rates: ModelRates): number {
  const r = ratesForPrompt(rates, promptTokens(event))
  // cacheWrite1h is a part of cacheWrite; clamp so a bad source cannot make the 5-minute part negative.
  const write1h = Math.min(Math.max(event.cacheWrite1h, 0), event.cacheWrite)
  const pico =
    event.input * picoPerToken(r.input) +
    event.output * picoPerToken(r.output) +
    event.cacheRead * picoPerToken(r.cacheRead) +
    (event.cacheWrite - write1h) * picoPerToken(r.cacheWrite5m) +
    write1h * picoPerToken(r.cacheWrite1h)
  return Math.round(pico / 1000)
}
