import type { UsageEvent } from '../../shared/usage'
/** Per-bucket token prices for one model, in USD per million tokens. */
export interface BucketRates {
  input: number
  output: number
  cacheRead: number
  /** 5-minute cache writes (the default TTL). */
  cacheWrite5m: number
  /** 1-hour cache writes. */
  cacheWrite1h: number
}

/** The rates that apply to one model, resolved from the snapshot and the user's overrides. */
export interface ModelRates extends BucketRates {
  /** The price-table entry that matched, e.g. `claude-opus-4-6` for `anthropic/claude-opus-4-6@20260101`. */
  matched: string
  /** Where the rates came from. */
  origin: 'snapshot' | 'override'
  /**
   * Long-context tiers, ascending: a request whose prompt (input + cacheRead + cacheWrite) exceeds
   * `aboveTokens` is priced entirely at that tier's rates.
   */
  tiers: (BucketRates & { aboveTokens: number })[]
}

/** Resolves a full model string to its rates; undefined means unpriced (never $0). */
export interface PriceTable {
  resolve(model: string): ModelRates | undefined
  /** Identifies the snapshot + overrides, so a change can trigger re-costing of history. */
  readonly version: string
}

/** Prices one event: nano-USD, or null when its model has no known price (shown as unpriced, never $0). */
export type Coster = (e: UsageEvent) => number | null
