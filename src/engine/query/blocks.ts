/**
 * Claude Code's 5-hour usage blocks, computed as ccusage computes them: a block starts at its
 * first request floored to the UTC hour and lasts five hours; a request more than five hours after
 * the block's start, or more than five hours after the previous request, starts the next block.
 * A block is active while `now` is before its end and less than five hours after its last request.
 */
import type { UsageBlock } from '../../shared/contract'
import { HOUR_MS } from '../../shared/time-zone'
import type { Store } from '../store/open-store'
import type { StoredSums } from '../store/sums'

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

interface Acc extends StoredSums {
  start: number
  first: number
  last: number
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
      acc = {
        start,
        first: e.ts,
        last: e.ts,
        input: 0,
        output: 0,
        cacheRead: 0,
        cacheWrite: 0,
        requests: 0,
        costNanoUsd: 0,
        unpricedTokens: 0,
      }
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

/** How far back the active block's chain is looked for first: a night's pause is almost always in it. */
const CHAIN_WINDOWS_MS = [2 * 24 * HOUR_MS, 14 * 24 * HOUR_MS, Number.MAX_SAFE_INTEGER]

/**
 * The instant from which blocks can be computed without the older history: the first Claude
 * request after the last gap of more than five hours (a gap always starts a new block). Looks in
 * the last two days first, then two weeks, then everything; null without requests.
 */
function chainStart(store: Store, newest: number): number | null {
  const gapAfter = store.db.prepare(`SELECT ts FROM (
      SELECT ts, ts - lag(ts) OVER (ORDER BY ts) AS gap FROM usage_events WHERE source = 'claude-code' AND ts >= ?
    ) WHERE gap > ? ORDER BY ts DESC LIMIT 1`)
  for (const w of CHAIN_WINDOWS_MS) {
    const r = gapAfter.get(Math.max(Number.MIN_SAFE_INTEGER, newest - w), BLOCK_MS) as { ts: number } | undefined
    if (r) return r.ts
  }
  const first = store.db.prepare(`SELECT min(ts) AS ts FROM usage_events WHERE source = 'claude-code'`).get() as { ts: number | null }
  return first.ts
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
  const newest = q.active
    ? (store.db.prepare(`SELECT max(ts) AS ts FROM usage_events WHERE source = 'claude-code'`).get() as { ts: number | null }).ts
    : null
  const from = q.active ? (newest === null ? now : (chainStart(store, newest) ?? now)) : Number.MIN_SAFE_INTEGER
  const rows = store.db
    .prepare(
      `SELECT ${ENTRY_COLUMNS} FROM usage_events
    WHERE source = 'claude-code' AND ts >= ? ORDER BY ts, key`,
    )
    .iterate(from) as Iterable<BlockEntry>
  const blocks = identifyBlocks(rows, now)
  return q.active ? blocks.filter((b) => b.active) : blocks
}
