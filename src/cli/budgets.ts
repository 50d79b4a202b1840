/** `tokenwatch budgets`: every budget with this period's spend, what is left, and the forecast. */
import type { BudgetStatus, PeriodOutlook } from '../shared/contract'
import { openContext } from '../engine/context'
import { budgetStatuses, outlook } from '../engine/budgets/status'
import { isValidTimeZone, viewerTimeZone, zonedParts } from '../shared/time-zone'
import { parseOptions, UsageError } from './args'
import { formatCents } from '../shared/money'

const usd = (n: number): string => formatCents(n)
const iso = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString())

/** The `--json` shape: the contract's statuses with instants as ISO 8601 UTC. */
export function budgetsToJson(statuses: BudgetStatus[], all: PeriodOutlook[] = []): unknown {
  return {
    outlook: all.map((o) => ({ ...o, periodStart: iso(o.periodStart), periodEnd: iso(o.periodEnd) })),
    budgets: statuses.map((s) => ({
      ...s,
      periodStart: iso(s.periodStart),
      periodEnd: iso(s.periodEnd),
      runsOutAt: iso(s.runsOutAt),
      fraction: Number.isFinite(s.fraction) ? s.fraction : null,
    })),
  }
}

/** "16:40" today, "Fri 16:40" on another day of the period, in `tz`. */
function clock(t: number, now: number, tz: string): string {
  const p = zonedParts(t, tz)
  const hm = `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`
  const n = zonedParts(now, tz)
  if (p.year === n.year && p.month === n.month && p.day === n.day) return hm
  const wd = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', day: 'numeric', month: 'short' }).format(t)
  return `${wd} ${hm}`
}

/** A plain-text table for people, and the "runs out at" sentence per budget. */
export function budgetsToTable(statuses: BudgetStatus[], now: number, tz: string, outlookRows: PeriodOutlook[] = []): string {
  const THIS = { day: 'today', week: 'this week', month: 'this month' } as const
  const outlookLines = outlookRows.map(
    (o) =>
      `all usage ${THIS[o.period].padEnd(10)} ${usd(o.spentUsd)} so far` +
      (o.forecast.method === 'none' ? '' : `, forecast ${usd(o.forecast.endUsd)} (${usd(o.forecast.lowUsd)}-${usd(o.forecast.highUsd)})`),
  )
  const tail = outlookLines.length ? `\n${outlookLines.join('\n')}\n` : ''
  if (statuses.length === 0) return `no budgets (set them in Settings, or "budgets" in settings.json; see docs/SPEND.md)\n${tail}`
  const head = ['budget', 'period', 'spent', 'of', 'left', 'used', 'forecast (band)', 'state']
  const body = statuses.map((s) => [
    s.budget.name,
    s.budget.period,
    usd(s.spentUsd),
    usd(s.budget.amountUsd),
    usd(s.leftUsd),
    Number.isFinite(s.fraction) ? `${Math.round(s.fraction * 100)}%` : '-',
    s.forecast.method === 'none' ? '-' : `${usd(s.forecast.endUsd)} (${usd(s.forecast.lowUsd)}-${usd(s.forecast.highUsd)})`,
    s.level,
  ])
  const all = [head, ...body]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const lines = [fmt(head), ...body.map(fmt)]
  for (const s of statuses) {
    if (s.runsOutAt !== null) lines.push(`at this pace ${s.budget.name} runs out at ${clock(s.runsOutAt, now, tz)}`)
    if (s.unpricedTokens > 0) lines.push(`${s.budget.name}: ${s.unpricedTokens} tokens unpriced (their cost is not counted)`)
  }
  return lines.join('\n') + '\n' + tail
}

/** Runs `tokenwatch budgets [--json] [--tz IANA] [--db FILE]`. */
export async function runBudgets(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { db: { type: 'string' }, tz: { type: 'string' }, json: { type: 'boolean' } })
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    const tz = o.tz ?? viewerTimeZone(ctx.settings.timeZone).tz
    if (!isValidTimeZone(tz)) throw new UsageError(`--tz: unknown time zone ${tz}`)
    const now = Date.now()
    const statuses = budgetStatuses(ctx.store, ctx.settings, tz, now)
    const all = outlook(ctx.store, ctx.settings, tz, now)
    process.stdout.write(o.json ? JSON.stringify(budgetsToJson(statuses, all)) + '\n' : budgetsToTable(statuses, now, tz, all))
    return 0
  } finally {
    ctx.close()
  }
}
