import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { createCoster } from '../../../src/engine/pricing/coster'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { BLOCK_MS, identifyBlocks, listBlocks, type BlockEntry } from '../../../src/engine/query/blocks'
import type { UsageBlock } from '../../../src/shared/contract'
import { FIXTURES, layout, tempDir } from '../../helpers/temp'
import { event } from '../ingest/support'

/** ccusage's `blocks --json` block, as its 20.0.24 binary printed it over the same logs. */
interface CcusageBlock {
  startTime: string
  endTime: string
  actualEndTime: string | null
  isGap: boolean
  entries: number
  costUSD: number
  tokenCounts: { inputTokens: number; outputTokens: number; cacheReadInputTokens: number; cacheCreationInputTokens: number }
}

function ccusage(file: string): CcusageBlock[] {
  return (JSON.parse(readFileSync(join(FIXTURES, 'ccusage', file), 'utf8')) as { blocks: CcusageBlock[] }).blocks.filter((b) => !b.isGap)
}

async function scanned(files: Record<string, string>): Promise<Store> {
  const dir = tempDir()
  layout(dir, files)
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ claudeConfigDirs: [join(dir, 'claude')], codexHomes: [join(dir, 'codex')] })
  await scanLogs(store, sources, createCoster(loadPriceTable()), { userId: 'tester' })
  return store
}

const ours = (b: UsageBlock) => ({
  start: b.start,
  end: b.end,
  lastRequest: b.lastRequest,
  input: b.input,
  output: b.output,
  cacheRead: b.cacheRead,
  cacheWrite: b.cacheWrite,
  requests: b.requests,
})
const theirs = (b: CcusageBlock) => ({
  start: b.startTime,
  end: b.endTime,
  lastRequest: b.actualEndTime,
  input: b.tokenCounts.inputTokens,
  output: b.tokenCounts.outputTokens,
  cacheRead: b.tokenCounts.cacheReadInputTokens,
  cacheWrite: b.tokenCounts.cacheCreationInputTokens,
  requests: b.entries,
})

describe('blocks equal `ccusage blocks --json --offline` (20.0.24) on the same logs', () => {
  it('ccusage own Claude fixtures: two projects, a same-block model change, gaps of days', async () => {
    const store = await scanned({
      'claude/projects/project-alpha/session-alpha.jsonl': 'ccusage/claude_project-alpha_chat.jsonl',
      'claude/projects/project-beta/session-beta.jsonl': 'ccusage/claude_project-beta_chat.jsonl',
    })
    const blocks = listBlocks(store, { now: Date.parse('2026-06-01T00:00:00Z') })
    const expected = ccusage('ccusage_blocks_claude_fixtures.json')
    expect(blocks.map(ours)).toEqual(expected.map(theirs))
    // These logs carry costUSD; both tools take it as the cost (ccusage's "auto" mode).
    expect(blocks.map((b) => b.costUsd)).toEqual(expected.map((b) => b.costUSD))
    expect(blocks.every((b) => !b.active && b.burnRate === null && b.projection === null)).toBe(true)
    store.close()
  })

  it('real Claude Code transcripts with streamed duplicates and a subagent', async () => {
    const store = await scanned({
      'claude/projects/spotter/short.jsonl': 'claude_real/spotter__short.jsonl',
      'claude/projects/spotter/tool_heavy.jsonl': 'claude_real/spotter__tool_heavy.jsonl',
      'claude/projects/spotter/4d5611e5-241a-462a-8d15-5122611a9569/subagents/agent-acompact-e1f845.jsonl':
        'claude_real/spotter__4d5611e5-241a-462a-8d15-5122611a9569_subagents_agent-acompact-e1f845.jsonl',
      'claude/projects/spotter/4d5611e5.jsonl': 'claude_real/DERIVED_spotter_4d5611e5_usage_rows_content_stripped.jsonl',
    })
    const blocks = listBlocks(store, { now: Date.parse('2026-06-01T00:00:00Z') })
    const expected = ccusage('ccusage_blocks_claude_real.json')
    // One known difference: a message streamed over several lines keeps the instant of its first
    // line here (the store's rule), ccusage the instant of the line whose tokens it kept. The first
    // block's last message has lines at 22:59:36.157 (25 output) and 22:59:37.598 (173 output).
    const want = expected.map(theirs)
    expect(want[0]?.lastRequest).toBe('2026-02-10T22:59:37.598Z')
    want[0] = { ...want[0]!, lastRequest: '2026-02-10T22:59:36.157Z' }
    expect(blocks.map(ours)).toEqual(want)
    for (const [i, b] of blocks.entries()) expect(b.costUsd).toBeCloseTo(expected[i]?.costUSD ?? NaN, 6)
    store.close()
  })
})

const H = 3_600_000
const M = 60_000
const T0 = Date.parse('2026-03-02T09:17:00Z')

function entry(ts: number, output = 100, costNanoUsd: number | null = 1e9): BlockEntry {
  return { ts, input: 0, output, cacheRead: 0, cacheWrite: 0, costNanoUsd }
}

describe('the block rule', () => {
  it('starts at the first request floored to the UTC hour and lasts five hours', () => {
    const [b] = identifyBlocks([entry(T0)], T0 + 10 * H)
    expect(b).toMatchObject({
      start: '2026-03-02T09:00:00.000Z',
      end: '2026-03-02T14:00:00.000Z',
      lastRequest: '2026-03-02T09:17:00.000Z',
      requests: 1,
      active: false,
    })
  })

  it('a request more than five hours after the block start opens the next block, even without a gap', () => {
    // 09:17, then every 50 minutes: 14:00 is exactly 5 h after the 09:00 start and stays; 14:17+ does not.
    const blocks = identifyBlocks(
      [entry(T0), entry(Date.parse('2026-03-02T14:00:00Z')), entry(Date.parse('2026-03-02T14:01:00Z'))],
      T0 + 48 * H,
    )
    expect(blocks.map((b) => [b.start, b.requests])).toEqual([
      ['2026-03-02T09:00:00.000Z', 2],
      ['2026-03-02T14:00:00.000Z', 1],
    ])
  })

  it('a gap of more than five hours starts a new block; gaps are not listed', () => {
    const blocks = identifyBlocks([entry(T0), entry(T0 + 5 * H + 1)], T0 + 48 * H)
    expect(blocks.map((b) => b.start)).toEqual(['2026-03-02T09:00:00.000Z', '2026-03-02T14:00:00.000Z'])
  })

  it('the active block: burn rate from first to last request, projection to the block end', () => {
    // 09:17 and 10:17, 100 output tokens and $1 each; now 11:00: 3 h left (180 min).
    const now = Date.parse('2026-03-02T11:00:00Z')
    const [b] = identifyBlocks([entry(T0), entry(T0 + H)], now)
    expect(b?.active).toBe(true)
    expect(b?.burnRate).toEqual({ tokensPerMinute: 200 / 60, costPerHour: 2 })
    expect(b?.projection).toEqual({ totalTokens: 200 + 600, totalCostUsd: 2 + 6, remainingMinutes: 180 })
  })

  it('is not active five hours after its last request, nor after its end', () => {
    expect(identifyBlocks([entry(T0)], T0 + BLOCK_MS)[0]?.active).toBe(false)
    expect(identifyBlocks([entry(T0)], Date.parse('2026-03-02T14:00:00Z'))[0]?.active).toBe(false)
    expect(identifyBlocks([entry(T0)], Date.parse('2026-03-02T13:59:59Z'))[0]?.active).toBe(true)
  })

  it('unpriced usage: cost is null, never $0', () => {
    const [b] = identifyBlocks([entry(T0, 100, null), entry(T0 + M, 100, null)], T0 + 2 * M)
    expect(b?.costUsd).toBeNull()
    expect(b?.burnRate?.costPerHour).toBeNull()
    expect(b?.projection?.totalCostUsd).toBeNull()
  })
})

describe('listBlocks --active reads only the newest chain of requests', () => {
  it('finds the same active block as the full history does', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    // Day one: a long chain of requests every 2 h for 30 h (no gap > 5 h), then a 6 h gap, then a new chain.
    const times = [...Array.from({ length: 16 }, (_, i) => T0 + i * 2 * H), T0 + 36 * H, T0 + 38 * H, T0 + 39 * H]
    applyBatch(store, [{ events: times.map((ts, i) => event(`k${i}`, ts, { input: 1, output: 2, cacheRead: 3 })) }], () => 1000)
    const now = T0 + 39 * H + 30 * M
    const all = listBlocks(store, { now })
    const active = listBlocks(store, { now, active: true })
    expect(active).toHaveLength(1)
    expect(active).toEqual(all.filter((b) => b.active))
    expect(active[0]?.requests).toBe(3)
    expect(listBlocks(store, { now: now + 6 * H, active: true })).toEqual([])
    store.close()
  })

  it('looks further back when the last two days or two weeks hold no gap of five hours', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    // A request every 4 hours for 20 days (never a 5-hour gap), after one 10 hours before them.
    const times = [T0 - 10 * H, ...Array.from({ length: 121 }, (_, i) => T0 + i * 4 * H)]
    applyBatch(store, [{ events: times.map((ts, i) => event(`c${i}`, ts, { input: 1, output: 2, cacheRead: 3 })) }], () => 1000)
    const now = T0 + 480 * H + 30 * M
    const active = listBlocks(store, { now, active: true })
    expect(active).toHaveLength(1)
    expect(active).toEqual(listBlocks(store, { now }).filter((b) => b.active))
    store.close()
  })
})
