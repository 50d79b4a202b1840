/**
 * Claude Code's 5-hour usage blocks, computed as ccusage computes them: a block starts at its
 * first request floored to the UTC hour and lasts five hours; a request more than five hours after
 * the block's start, or more than five hours after the previous request, starts the next block.
 * A block is active while `now` is before its end and less than five hours after its last request.
 */
import type { UsageBlock } from '../../shared/contract'
import { HOUR_MS } from '../../shared/time-zone'
import type { Store } from '../store/open-store'

/** A block's length, as Anthropic's plans count it. */
export const BLOCK_MS = 5 * HOUR_MS

/** One request as blocks need it; money in nano-USD, null when unpriced. */
export interface BlockEntry {
  ts: number
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  costNanoUsd: number | null
}

interface Acc {
  start: number
  first: number
  last: number
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costNanoUsd: number
  unpricedTokens: number
}

const MINUTE = 60_000

function finish(a: Acc, now: number): UsageBlock {
  const end = a.start + BLOCK_MS
  const active = now - a.last < BLOCK_MS && now < end
  const tokens = a.input + a.output + a.cacheRead + a.cacheWrite
  const costUsd = a.unpricedTokens > 0 && a.costNanoUsd === 0 ? null : a.costNanoUsd / 1e9
  const block: UsageBlock = {
    start: new Date(a.start).toISOString(),
    end: new Date(end).toISOString(),
    lastRequest: new Date(a.last).toISOString(),
    input: a.input,
    output: a.output,
    cacheRead: a.cacheRead,
    cacheWrite: a.cacheWrite,
    requests: a.requests,
    costUsd,
    active,
    burnRate: null,
    projection: null,
  }
  // ccusage's burn rate: totals over the minutes between the block's first and last request.
  const minutes = (a.last - a.first) / MINUTE
  if (active && minutes > 0) {
    const tokensPerMinute = tokens / minutes
    const costPerHour = ((costUsd ?? 0) / minutes) * 60
    block.burnRate = { tokensPerMinute, costPerHour: costUsd === null ? null : costPerHour }
    const remainingMinutes = Math.max(0, Math.round((end - now) / MINUTE))
    block.projection = {
      totalTokens: Math.round(tokens + tokensPerMinute * remainingMinutes),
      totalCostUsd: costUsd === null ? null : costUsd + (costPerHour / 60) * remainingMinutes,
      remainingMinutes,
    }
  }
  return block
}

/** Groups requests (sorted by time) into blocks, oldest first; gaps are not blocks. */
export function identifyBlocks(entries: Iterable<BlockEntry>, now: number): UsageBlock[] {
  const blocks: UsageBlock[] = []
  let acc: Acc | undefined
  for (const e of entries) {
    if (acc && (e.ts - acc.start > BLOCK_MS || e.ts - acc.last > BLOCK_MS)) {
      blocks.push(finish(acc, now))
      acc = undefined
    }
    if (!acc) {
      const start = Math.floor(e.ts / HOUR_MS) * HOUR_MS
      acc = { start, first: e.ts, last: e.ts, input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costNanoUsd: 0, unpricedTokens: 0 }
    }
    acc.last = e.ts
    acc.input += e.input
    acc.output += e.output
    acc.cacheRead += e.cacheRead
    acc.cacheWrite += e.cacheWrite
    acc.requests += 1
    if (e.costNanoUsd === null) acc.unpricedTokens += e.input + e.output + e.cacheRead + e.cacheWrite
    else acc.costNanoUsd += e.costNanoUsd
  }
  if (acc) blocks.push(finish(acc, now))
  return blocks
}

const ENTRY_COLUMNS = `ts, input, output, cache_read AS cacheRead, cache_write AS cacheWrite, cost_nusd AS costNanoUsd`

/**
 * The instant from which blocks can be computed without the older history: the first Claude
 * request after the last gap of more than five hours before `before` (a gap always starts a new
 * block). Walks back from `before` only as far as that gap; null without requests.
 */
function chainStart(store: Store, before: number): number | null {
  const stmt = store.db.prepare(`SELECT ts FROM usage_events WHERE source = 'claude-code' AND ts < ? ORDER BY ts DESC`)
  let later: number | null = null
  for (const r of stmt.iterate(before) as Iterable<{ ts: number }>) {
    if (later !== null && later - r.ts > BLOCK_MS) return later
    later = r.ts
  }
  return later
}

export interface BlocksQuery {
  /** Only the active block (none when nothing is running). */
  active?: boolean
  now?: number
}

/** Claude Code's blocks from the store's ledger, oldest first. */
export function listBlocks(store: Store, q: BlocksQuery = {}): UsageBlock[] {
  const now = q.now ?? Date.now()
  // The active block is the newest: start from the newest chain of requests without a long gap.
  const from = q.active ? chainStart(store, Number.MAX_SAFE_INTEGER) ?? now : Number.MIN_SAFE_INTEGER
  const rows = store.db.prepare(`SELECT ${ENTRY_COLUMNS} FROM usage_events
    WHERE source = 'claude-code' AND ts >= ? ORDER BY ts, key`).iterate(from) as Iterable<BlockEntry>
  const blocks = identifyBlocks(rows, now)
  return q.active ? blocks.filter((b) => b.active) : blocks
}
