import type { Figures, GroupDim, Report } from '../../shared/contract'

/** Cells a spreadsheet would run as a formula start with one of these. */
const FORMULA_START = /^[=+\-@\t\r]/

/**
 * One CSV field per RFC 4180: quoted when it holds a comma, quote or line break. Text that a
 * spreadsheet would evaluate as a formula is prefixed with an apostrophe (OWASP's advice).
 */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : ''
  const text = FORMULA_START.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Formats USD for CSV/JSON: full nano-USD precision, no float noise. */
export function usdText(costUsd: number): string {
  return costUsd.toFixed(9).replace(/\.?0+$/, '')
}

/** Cost as reported to people and machines: null when the figures are wholly unpriced. */
export function reportedCost(f: Figures): number | null {
  return f.unpricedTokens > 0 && f.costUsd === 0 ? null : f.costUsd
}

/** The CSV text of a report: one column per grouped dimension, then the figures; CRLF lines. */
export function reportToCsv(report: Report, groupBy: readonly GroupDim[]): string {
  const header = [...groupBy, 'input', 'output', 'cacheRead', 'cacheWrite', 'requests', 'costUsd', 'unpricedTokens']
  const lines = [header.map(csvField).join(',')]
  for (const r of report.rows) {
    const cost = reportedCost(r)
    lines.push(
      [
        ...groupBy.map((d) => csvField(r[d])),
        r.input,
        r.output,
        r.cacheRead,
        r.cacheWrite,
        r.requests,
        cost === null ? '' : usdText(cost),
        r.unpricedTokens,
      ]
        .map((v) => (typeof v === 'string' ? v : csvField(v)))
        .join(','),
    )
  }
  return lines.join('\r\n') + '\r\n'
}
