/** `tokenwatch reconcile FILE`: a provider's usage or cost export beside what the store counted. */
import { readFileSync } from 'node:fs'
import { openContext } from '../engine/context'
import { csvField } from '../engine/export/csv'
import { readProviderExport } from '../engine/sources/provider-export'
import type { Reconciliation } from '../shared/contract'
import { reconcile } from '../engine/reconcile/reconcile'
import { parseOptions, UsageError } from './args'
import { formatCents } from '../shared/money'

const usd = (n: number | null): string => (n === null ? '-' : `${n < 0 ? '-' : ''}${formatCents(Math.abs(n))}`)

/** A plain-text table for people: one line per day and model, then the totals. */
export function reconciliationToTable(r: Reconciliation): string {
  if (r.lines.length === 0) return 'the export has no billed lines\n'
  const head = ['day (UTC)', 'model', 'billed', 'counted', 'difference', 'why']
  const body = r.lines.map((l) => [l.day, l.model, usd(l.billedUsd), usd(l.countedUsd), usd(l.diffUsd), l.note])
  const total = ['total', '', usd(r.totals.billedUsd), usd(r.totals.countedUsd), usd(r.totals.diffUsd), '']
  const all = [head, ...body, total]
  const widths = head.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)))
  const fmt = (row: string[]) =>
    row
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return [fmt(head), ...body.map(fmt), fmt(total)].join('\n') + '\n'
}

/** RFC 4180 CSV, one line per day and model, formula-safe like every export of ours. */
export function reconciliationToCsv(r: Reconciliation): string {
  const head = [
    'day',
    'model',
    'billed_usd',
    'counted_usd',
    'difference_usd',
    'billed_tokens',
    'counted_tokens',
    'unpriced_tokens',
    'reason',
    'note',
  ]
  const rows = r.lines.map((l) => [
    l.day,
    l.model,
    l.billedUsd,
    l.countedUsd,
    l.diffUsd,
    l.billedTokens,
    l.countedTokens,
    l.unpricedTokens,
    l.reason,
    l.note,
  ])
  return (
    [head, ...rows].map((row) => row.map((c) => csvField(typeof c === 'number' ? Number(c.toFixed(6)) : c)).join(',')).join('\r\n') + '\r\n'
  )
}

/** Runs `tokenwatch reconcile FILE [--json | --csv] [--db FILE]`. */
export async function runReconcile(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const [file, ...rest] = args
  if (!file || file.startsWith('-')) throw new UsageError('name the export file first: tokenwatch reconcile FILE [--json | --csv]')
  const o = parseOptions(rest, { db: { type: 'string' }, json: { type: 'boolean' }, csv: { type: 'boolean' } })
  if (o.json && o.csv) throw new UsageError('--json and --csv exclude each other')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
  let exp
  try {
    exp = readProviderExport(text)
  } catch (err) {
    throw new UsageError(`${file}: ${(err as Error).message}`)
  }
  for (const s of exp.skipped) process.stderr.write(`reconcile: ${file} line ${s.line} skipped: ${s.reason}\n`)
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    const r = reconcile(ctx.store, exp)
    process.stdout.write(o.json ? JSON.stringify(r) + '\n' : o.csv ? reconciliationToCsv(r) : reconciliationToTable(r))
    return 0
  } finally {
    ctx.close()
  }
}
