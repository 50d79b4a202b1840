/**
 * Invoice reconciliation: a provider's export (what was billed) beside the store (what was
 * counted), per UTC day and model, with the difference and where it most likely comes from.
 */
import { nextDay } from '../../shared/time-zone'
import { nameCandidates } from '../pricing/model-name'
import { runReport } from '../query/report'
import type { Store } from '../store/open-store'
import type { ReconcileLine, ReconcileReason, Reconciliation } from '../../shared/contract'
import type { BilledRow, BilledTokens, ProviderExport } from '../sources/provider-export'

/** Costs within half a cent are the same bill: exports round to cents. */
const CENT_TOLERANCE = 0.005

const sumTokens = (t: BilledTokens): number => t.input + t.output + t.cacheRead + t.cacheWrite

/** The model string both sides agree on: lower-cased, routing prefix and snapshot date stripped. */
export function modelKey(model: string): string {
  return nameCandidates(model).base
}

interface Billed {
  model: string
  costUsd: number | null
  tokens: number | null
}

function billedByDayModel(rows: BilledRow[]): Map<string, Billed> {
  const out = new Map<string, Billed>()
  for (const r of rows) {
    const k = `${r.day}\u0000${modelKey(r.model)}`
    const b = out.get(k) ?? { model: r.model, costUsd: null, tokens: null }
    if (r.costUsd !== null) b.costUsd = (b.costUsd ?? 0) + r.costUsd
    if (r.tokens !== null) b.tokens = (b.tokens ?? 0) + sumTokens(r.tokens)
    out.set(k, b)
  }
  return out
}

/** Compares an export with the store over the export's days (UTC, as providers bill). */
export function reconcile(store: Store, exp: ProviderExport): Reconciliation {
  const days = exp.rows.map((r) => r.day).sort()
  const from = days[0]
  const to = days[days.length - 1]
  if (from === undefined || to === undefined) {
    return { kind: exp.kind, from: '', to: '', lines: [], totals: { billedUsd: 0, countedUsd: 0, diffUsd: 0 }, skipped: exp.skipped }
  }
  const billed = billedByDayModel(exp.rows)
  const counted = runReport(store, {
    tz: 'UTC',
    from: Date.parse(`${from}T00:00:00Z`),
    to: Date.parse(`${nextDay(to)}T00:00:00Z`),
    groupBy: ['day', 'model'],
  })
  const local = new Map<string, { model: string; costUsd: number; tokens: number; unpriced: number }>()
  for (const r of counted.rows) {
    const k = `${r.day ?? ''}\u0000${modelKey(r.model ?? '')}`
    const c = local.get(k) ?? { model: r.model ?? '', costUsd: 0, tokens: 0, unpriced: 0 }
    c.costUsd += r.costUsd
    c.tokens += r.input + r.output + r.cacheRead + r.cacheWrite
    c.unpriced += r.unpricedTokens
    local.set(k, c)
  }
  const lines: ReconcileLine[] = []
  for (const k of new Set([...billed.keys(), ...local.keys()])) {
    const [day = ''] = k.split('\u0000')
    const b = billed.get(k)
    const c = local.get(k)
    const countedUsd = c?.costUsd ?? 0
    const billedUsd = b ? b.costUsd : null
    const line: ReconcileLine = {
      day,
      model: b?.model ?? c?.model ?? '',
      billedUsd: b ? billedUsd : 0,
      countedUsd,
      diffUsd: b && billedUsd === null ? null : (billedUsd ?? 0) - countedUsd,
      billedTokens: b ? b.tokens : 0,
      countedTokens: c?.tokens ?? 0,
      unpricedTokens: c?.unpriced ?? 0,
      ...explain(b, c),
    }
    lines.push(line)
  }
  lines.sort((a, b) => a.day.localeCompare(b.day) || a.model.localeCompare(b.model))
  const billedUsd = lines.reduce((s, l) => s + (l.billedUsd ?? 0), 0)
  const countedUsd = lines.reduce((s, l) => s + l.countedUsd, 0)
  return { kind: exp.kind, from, to, lines, totals: { billedUsd, countedUsd, diffUsd: billedUsd - countedUsd }, skipped: exp.skipped }
}

function explain(
  b: Billed | undefined,
  c: { costUsd: number; tokens: number; unpriced: number } | undefined,
): { reason: ReconcileReason; note: string } {
  if (!c || c.tokens === 0)
    return {
      reason: 'not-counted',
      note: 'billed but not counted here: a source is not connected, or the usage ran on another machine or key',
    }
  if (!b)
    return {
      reason: 'not-billed',
      note: 'counted here but not in this export: another account, a plan or subscription, or outside what the export covers',
    }
  const costOff = b.costUsd !== null && Math.abs(b.costUsd - c.costUsd) > CENT_TOLERANCE
  if (c.unpriced > 0)
    return {
      reason: 'unpriced',
      note: `${c.unpriced.toLocaleString('en-US')} tokens counted here have no known price (set a price override)`,
    }
  if (b.tokens !== null && b.tokens !== c.tokens) {
    const d = b.tokens - c.tokens
    return {
      reason: 'tokens-differ',
      note: `the export has ${Math.abs(d).toLocaleString('en-US')} tokens ${d > 0 ? 'more' : 'fewer'}: usage not seen here, or seen here from another key or machine`,
    }
  }
  if (costOff && b.tokens === null)
    return { reason: 'price-differs', note: 'the costs differ; this export has no token counts, so usage and price cannot be told apart' }
  if (costOff)
    return {
      reason: 'price-differs',
      note: 'same usage, different price: the provider billed other rates than the price table (a discount, a batch or priority tier, a price change)',
    }
  return { reason: 'match', note: 'billed and counted agree' }
}
