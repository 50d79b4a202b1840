/**
 * Shared helpers for the engine-core tests: realistic log lines, a temp Claude/Codex layout, and
 * the ledger oracle (aggregates recomputed from usage_events with GROUP BY).
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import type { UsageEvent } from '../../../src/shared/usage'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { createLogSources } from '../../../src/engine/sources/registry'
import type { LogSource } from '../../../src/engine/sources/types'
import { scanLogs, type ScanOptions, type ScanSummary } from '../../../src/engine/ingest/scan'
import type { Coster } from '../../../src/engine/ingest/apply-batch'
import { tempDir } from '../../helpers/temp'

export interface ClaudeLineOpts {
  id: string
  /** Defaults to `req_<id>`; null leaves requestId out. */
  requestId?: string | null
  ts: string
  model?: string
  input?: number
  output: number
  cacheRead?: number
  cacheWrite?: number
  cacheWrite1h?: number
  sessionId?: string
  cwd?: string
  extra?: Record<string, unknown>
}

/** One Claude Code assistant line carrying `message.usage`, as Claude Code writes it (no newline). */
export function claudeLine(o: ClaudeLineOpts): string {
  const usage: Record<string, unknown> = {
    input_tokens: o.input ?? 10,
    output_tokens: o.output,
    cache_read_input_tokens: o.cacheRead ?? 100,
    cache_creation_input_tokens: o.cacheWrite ?? 0,
  }
  if (o.cacheWrite1h !== undefined) {
    usage.cache_creation = {
      ephemeral_5m_input_tokens: (o.cacheWrite ?? 0) - o.cacheWrite1h,
      ephemeral_1h_input_tokens: o.cacheWrite1h,
    }
  }
  const line: Record<string, unknown> = {
    type: 'assistant',
    timestamp: o.ts,
    sessionId: o.sessionId ?? 'sess-1',
    cwd: o.cwd ?? '/work/app',
    message: { id: `msg_${o.id}`, type: 'message', role: 'assistant', model: o.model ?? 'claude-sonnet-4-20250514', usage },
    ...o.extra,
  }
  if (o.requestId !== null) line.requestId = o.requestId ?? `req_${o.id}`
  return JSON.stringify(line)
}

/** A Codex `token_count` event line. `total`/`last`: [input incl. cached, cached, output, reasoning]. */
export function codexTokenLine(ts: string, total: number[] | null, last: number[] | null, model?: string): string {
  const u = (c: number[]) => ({
    input_tokens: c[0],
    cached_input_tokens: c[1],
    output_tokens: c[2],
    reasoning_output_tokens: c[3] ?? 0,
    total_tokens: (c[0] ?? 0) + (c[2] ?? 0),
  })
  const info: Record<string, unknown> = {}
  if (total) info.total_token_usage = u(total)
  if (last) info.last_token_usage = u(last)
  if (model) info.model = model
  return JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'token_count', info, rate_limits: null } })
}

export function codexMeta(ts: string, id: string, forkedFrom?: string, cwd = '/work/codex'): string {
  const payload: Record<string, unknown> = { id, timestamp: ts, cwd }
  if (forkedFrom) payload.forked_from_id = forkedFrom
  return JSON.stringify({ timestamp: ts, type: 'session_meta', payload })
}

export function codexTurn(ts: string, model: string, cwd?: string): string {
  return JSON.stringify({ timestamp: ts, type: 'turn_context', payload: cwd ? { model, cwd } : { model } })
}

/** Joins lines with `\n`, ending with one. */
export function jsonl(lines: string[]): string {
  return lines.map((l) => l + '\n').join('')
}

/** A temp dir with a Claude config dir and a Codex home, a store and the two sources. */
export interface Env {
  dir: string
  dbPath: string
  claudeProjects: string
  codexHome: string
  sources: LogSource[]
  store: Store
  /** Closes and reopens the store (a restart of the app). */
  reopen(): Store
  scan(opts?: Partial<ScanOptions>, cost?: Coster): Promise<ScanSummary>
}

export function makeEnv(): Env {
  const dir = tempDir()
  const claude = join(dir, 'claude')
  const claudeProjects = join(claude, 'projects')
  const codexHome = join(dir, 'codex')
  mkdirSync(join(claudeProjects, 'app'), { recursive: true })
  mkdirSync(join(codexHome, 'sessions'), { recursive: true })
  const dbPath = join(dir, 'tw.db')
  const env: Env = {
    dir,
    dbPath,
    claudeProjects,
    codexHome,
    sources: createLogSources({ claudeConfigDirs: [claude], codexHomes: [codexHome], home: dir }),
    store: openStore(dbPath),
    reopen() {
      env.store.close()
      env.store = openStore(dbPath)
      return env.store
    },
    scan(opts = {}, cost = () => null) {
      return scanLogs(env.store, env.sources, cost, { userId: 'tester', ...opts })
    },
  }
  return env
}

export interface Totals {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
}

/** Totals straight from the ledger. */
export function ledgerTotals(store: Store): Totals {
  return store.db
    .prepare(
      `SELECT coalesce(sum(input), 0) AS input, coalesce(sum(output), 0) AS output,
    coalesce(sum(cache_read), 0) AS cacheRead, coalesce(sum(cache_write), 0) AS cacheWrite, count(*) AS requests
    FROM usage_events`,
    )
    .get() as Totals
}

/** Totals from the quarter-hour aggregates. */
export function bucketTotals(store: Store): Totals {
  return store.db
    .prepare(
      `SELECT coalesce(sum(input), 0) AS input, coalesce(sum(output), 0) AS output,
    coalesce(sum(cache_read), 0) AS cacheRead, coalesce(sum(cache_write), 0) AS cacheWrite,
    coalesce(sum(requests), 0) AS requests FROM usage_buckets`,
    )
    .get() as Totals
}

/**
 * The invariant of the store: usage_buckets equals a GROUP BY over the ledger, row for row (so no
 * negative rows, and no empty rows left behind by a correction that moved a record).
 */
export function expectAggregatesMatchLedger(store: Store): void {
  const fromLedger = store.db
    .prepare(
      `SELECT ts - (ts % 900000) AS bucket_start, source, user_id, agent_id, project, model,
      sum(input) AS input, sum(output) AS output, sum(cache_read) AS cache_read, sum(cache_write) AS cache_write,
      count(*) AS requests, sum(coalesce(cost_nusd, 0)) AS cost_nusd,
      sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END) AS unpriced_tokens,
      sum(cost_nusd IS NULL) AS unpriced_requests
    FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all()
  const buckets = store.db
    .prepare(
      `SELECT bucket_start, source, user_id, agent_id, project, model, input, output, cache_read,
      cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests FROM usage_buckets
    ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all()
  expect(buckets).toEqual(fromLedger)
  // Session spans: first and last request per session and dimensions, as the ledger has them.
  const spansFromLedger = store.db
    .prepare(
      `SELECT source, session_id, user_id, agent_id, project, model, min(ts) AS first_ts,
      max(ts) AS last_ts FROM usage_events GROUP BY 1, 2, 3, 4, 5, 6 ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all()
  const spans = store.db
    .prepare(
      `SELECT source, session_id, user_id, agent_id, project, model, first_ts, last_ts
    FROM session_spans ORDER BY 1, 2, 3, 4, 5, 6`,
    )
    .all()
  expect(spans).toEqual(spansFromLedger)
  const sessionsFromLedger = store.db
    .prepare(
      `SELECT source, session_id, min(ts) AS first_ts, max(ts) AS last_ts FROM usage_events
    GROUP BY 1, 2 ORDER BY 1, 2`,
    )
    .all()
  expect(store.db.prepare('SELECT source, session_id, first_ts, last_ts FROM sessions ORDER BY 1, 2').all()).toEqual(sessionsFromLedger)
}

/** The dedup oracle for Claude lines: per key, the record that carries most (largest output, tie: larger total). */
export function oracleTotals(events: Pick<UsageEvent, 'key' | 'input' | 'output' | 'cacheRead' | 'cacheWrite'>[]): Totals {
  const best = new Map<string, (typeof events)[number]>()
  const sum = (e: (typeof events)[number]) => e.input + e.output + e.cacheRead + e.cacheWrite
  for (const e of events) {
    const b = best.get(e.key)
    if (!b || e.output > b.output || (e.output === b.output && sum(e) > sum(b))) best.set(e.key, e)
  }
  const t: Totals = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0 }
  for (const e of best.values()) {
    t.input += e.input
    t.output += e.output
    t.cacheRead += e.cacheRead
    t.cacheWrite += e.cacheWrite
    t.requests++
  }
  return t
}

/** A minimal UsageEvent for direct applyBatch tests. */
export function event(key: string, ts: string | number, tokens: Partial<UsageEvent> = {}): UsageEvent {
  return {
    key,
    ts: typeof ts === 'number' ? ts : Date.parse(ts),
    source: 'claude-code',
    userId: 'u1',
    agentId: 'claude-code',
    project: '/work/app',
    sessionId: 'sess-1',
    model: 'claude-sonnet-4-20250514',
    input: 10,
    output: 5,
    cacheRead: 100,
    cacheWrite: 0,
    cacheWrite1h: 0,
    ...tokens,
  }
}

/** A row of source_files, parsed. */
export function fileRow(
  store: Store,
  path: string,
):
  | { offset: number; lines: number; events: number; skipped: number; skipReasons: Record<string, number>; rewrites: number; size: number }
  | undefined {
  const r = store.db
    .prepare('SELECT offset, lines, events, skipped, skip_reasons, rewrites, size FROM source_files WHERE path = ?')
    .get(path) as
    { offset: number; lines: number; events: number; skipped: number; skip_reasons: string; rewrites: number; size: number } | undefined
  if (!r) return undefined
  const { skip_reasons, ...rest } = r
  return { ...rest, skipReasons: JSON.parse(skip_reasons) as Record<string, number> }
}

/**
 * Writes each log as its agent would, a few lines at a time: every file is emptied, then each
 * pass appends up to `maxLines` more lines (1, 2, … maxLines, cycling) to every file and scans
 * `store`. Empties `files[].lines` on the way; returns the lines the scans skipped.
 */
export async function scanInSteps(
  store: Store,
  sources: LogSource[],
  files: { path: string; lines: string[] }[],
  maxLines: number,
): Promise<number> {
  for (const f of files) writeFileSync(f.path, '')
  let skipped = 0
  for (let i = 0; files.some((f) => f.lines.length > 0); i++) {
    for (const f of files) {
      const chunk = f.lines.splice(0, 1 + (i % maxLines))
      if (chunk.length > 0) appendFileSync(f.path, chunk.join(''))
    }
    skipped += (await scanLogs(store, sources, () => null, { userId: 'u' })).skipped
  }
  return skipped
}

/** Every ledger row, by key: two stores that read the same logs compare equal. */
export function ledgerRows(store: Store): unknown[] {
  return store.db.prepare('SELECT * FROM usage_events ORDER BY key').all()
}

/**
 * The generated-tree check of a log source: `files` read whole count exactly `expected` and skip
 * `bad` malformed lines; the first file rewritten whole with only the lines `rewriteKeeps` keeps
 * (as an agent compacting its log would) adds nothing; the same files written a few lines at a
 * time (`scanInSteps`) give the same ledger, row for row. Empties `files[].lines`.
 */
export async function expectTreeReadExactly(o: {
  sources: LogSource[]
  files: { path: string; lines: string[] }[]
  bad: number
  expected: Partial<Totals>
  rewriteKeeps: (line: string) => boolean
  maxLines: number
}): Promise<void> {
  const dir = tempDir()
  for (const f of o.files) writeFileSync(f.path, f.lines.join(''))
  const whole = openStore(join(dir, 'whole.db'))
  const stepped = openStore(join(dir, 'stepped.db'))
  try {
    expect((await scanLogs(whole, o.sources, () => null, { userId: 'u' })).skipReasons).toEqual({ 'malformed-json': o.bad })
    expect(ledgerTotals(whole)).toMatchObject(o.expected)
    expectAggregatesMatchLedger(whole)
    const first = o.files[0] as { path: string; lines: string[] }
    writeFileSync(first.path, first.lines.filter(o.rewriteKeeps).join(''))
    await scanLogs(whole, o.sources, () => null, { userId: 'u' })
    expect(ledgerTotals(whole)).toMatchObject(o.expected)

    expect(await scanInSteps(stepped, o.sources, o.files, o.maxLines)).toBe(o.bad)
    expect(ledgerRows(stepped)).toEqual(ledgerRows(whole))
    expectAggregatesMatchLedger(stepped)
  } finally {
    whole.close()
    stepped.close()
  }
}
