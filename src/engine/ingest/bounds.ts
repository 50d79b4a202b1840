/**
 * Bounds that keep every sum of stored figures exact: no accepted event can take the store's
 * total tokens or total cost past 2^53 (where JS numbers stop being exact, and far below the
 * 2^63 at which SQLite's integer sums fail), so no aggregate row, rollup, session or report sum,
 * each a part of those totals, can overflow or lose a unit.
 */
import type Database from 'better-sqlite3'
import type { LedgerEvent } from '../store/ledger'

/** The largest total (tokens, or cost in nano-USD) one store may hold: 2^53 - 1. */
export const MAX_STORE_SUM = Number.MAX_SAFE_INTEGER
/** The largest cost of one request, nano-USD ($1,000,000: as for a cost the sender reports). */
export const MAX_EVENT_COST_NUSD = 1e15

/** The store's total tokens and cost, or an upper bound of them (`exact` false). */
interface Totals {
  tokens: number
  cost: number
  exact: boolean
}

const known = new WeakMap<Database.Database, Totals>()

function tokensOf(e: LedgerEvent): number {
  return e.input + e.output + e.cacheRead + e.cacheWrite
}

/** The store's totals, summed from its aggregate rows (Infinity if they are already past 2^63). */
function measure(db: Database.Database): Totals {
  try {
    const r = db
      .prepare(
        `SELECT coalesce(sum(input + output + cache_read + cache_write), 0) AS tokens,
      coalesce(sum(cost_nusd), 0) AS cost FROM usage_buckets`,
      )
      .get() as { tokens: number; cost: number }
    return { tokens: r.tokens, cost: r.cost, exact: true }
  } catch {
    return { tokens: Infinity, cost: Infinity, exact: true }
  }
}

/** Forgets what is known of a store's totals (after a re-cost rebuilt its rows). */
export function forgetTotals(db: Database.Database): void {
  known.delete(db)
}

/**
 * One commit's check. It starts from the store's totals as last known (an upper bound: a
 * correction can only lower them), and measures them exactly only when an event would pass the
 * bound on that estimate, so a commit far below it costs no query.
 */
export class SumGuard {
  private base: Totals
  private tokens = 0
  private cost = 0

  constructor(private readonly db: Database.Database) {
    this.base = known.get(db) ?? measure(db)
  }

  /**
   * Why `next` (replacing `kept`, the stored record of its key, if any) cannot be stored, or
   * undefined when it is taken (and counted).
   */
  admit(next: LedgerEvent, kept: LedgerEvent | undefined): string | undefined {
    const c = next.costNanoUsd ?? 0
    if (c > MAX_EVENT_COST_NUSD) {
      return `costs $${(c / 1e9).toLocaleString('en-US')} at the price of ${next.model}, more than $${(MAX_EVENT_COST_NUSD / 1e9).toLocaleString('en-US')} per request (refused)`
    }
    const dTokens = tokensOf(next) - (kept ? tokensOf(kept) : 0)
    const dCost = c - (kept?.costNanoUsd ?? 0)
    const over = () => this.base.tokens + this.tokens + dTokens > MAX_STORE_SUM || this.base.cost + this.cost + dCost > MAX_STORE_SUM
    if (over() && !this.base.exact) this.base = measure(this.db)
    if (over()) {
      return `the store's totals would pass 2^53 (${MAX_STORE_SUM.toLocaleString('en-US')} tokens or nano-USD), beyond which sums are no longer exact (refused)`
    }
    this.tokens += dTokens
    this.cost += dCost
    return undefined
  }

  /** After the commit: what is now known of the totals (an upper bound). */
  committed(): void {
    known.set(this.db, { tokens: this.base.tokens + this.tokens, cost: this.base.cost + this.cost, exact: false })
  }
}
