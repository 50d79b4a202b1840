/** `tokenwatch blocks`: Claude Code's 5-hour usage blocks from the store (ccusage's rule). */
import type { UsageBlock } from '../shared/contract'
import { openContext } from '../engine/context'
import { listBlocks } from '../engine/query/blocks'
import { parseOptions } from './args'
import { formatCents } from '../shared/money'

const int = new Intl.NumberFormat('en-US')

const usd = (n: number | null): string => (n === null ? 'unpriced' : formatCents(n))

const tokensOf = (b: UsageBlock): number => b.input + b.output + b.cacheRead + b.cacheWrite

/** `2026-01-09 10:00` in UTC: blocks are whole UTC hours, as ccusage floors them. */
const when = (iso: string): string => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`

/** A plain-text table for people, with the active block's burn rate and projection below it. */
export function blocksToTable(blocks: UsageBlock[], now: number): string {
  if (blocks.length === 0) return 'no Claude Code usage blocks\n'
  const head = ['start (UTC)', 'end', 'requests', 'tokens', 'cost', '']
  const body = blocks.map((b) => [
    when(b.start),
    b.end.slice(11, 16),
    int.format(b.requests),
    int.format(tokensOf(b)),
    usd(b.costUsd),
    b.active ? 'active' : '',
  ])
  const all = [head, ...body]
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)))
  const fmt = (r: string[]) =>
    r
      .map((c, i) => (i < 2 || i === 5 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const lines = [fmt(head), ...body.map(fmt)]
  for (const b of blocks.filter((x) => x.active)) {
    const left = Math.max(0, Math.round((Date.parse(b.end) - now) / 60_000))
    lines.push('', `active block: ${Math.floor(left / 60)}h ${left % 60}m left`)
    if (b.burnRate && b.projection) {
      const rate = b.burnRate.costPerHour === null ? '' : `, ${usd(b.burnRate.costPerHour)}/h`
      lines.push(`burn rate ${int.format(Math.round(b.burnRate.tokensPerMinute))} tokens/min${rate}`)
      lines.push(`projected at block end: ${int.format(b.projection.totalTokens)} tokens, ${usd(b.projection.totalCostUsd)}`)
    } else {
      lines.push('burn rate: not yet (one request so far)')
    }
  }
  return lines.join('\n') + '\n'
}

/** Runs `tokenwatch blocks [--active] [--json] [--db FILE]`. */
export async function runBlocks(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { db: { type: 'string' }, active: { type: 'boolean' }, json: { type: 'boolean' } })
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    const now = Date.now()
    const blocks = listBlocks(ctx.store, { now, ...(o.active ? { active: true } : {}) })
    process.stdout.write(o.json ? JSON.stringify({ blocks }) + '\n' : blocksToTable(blocks, now))
    return 0
  } finally {
    ctx.close()
  }
}
