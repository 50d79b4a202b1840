/**
 * `tokenwatch statusline`: Claude Code's `statusLine` command. Reads the hook's JSON on stdin and
 * prints one line from the store (kept current by the app or `tokenwatch serve`), so it answers in
 * milliseconds without re-reading logs. It records the hook's rate limits and session cost for the
 * dashboard. It never fails the hook: whatever breaks, it prints a short line and exits 0.
 */
import { existsSync } from 'node:fs'
import { dataDir, dataPaths } from '../engine/paths'
import { loadSettings } from '../engine/settings'
import { openStore, type Store } from '../engine/store/open-store'
import { todaySpend } from '../engine/query/today'
import { listBlocks } from '../engine/query/blocks'
import { budgetStatuses } from '../engine/budgets/status'
import { claudeSnapshot, writeStatuslineRecord, type StatuslineRecord } from '../engine/plan/rate-limits'
import type { RateLimitSnapshot } from '../shared/contract'
import { viewerTimeZone } from '../shared/time-zone'
import { formatCents } from '../shared/money'

export interface StatuslineIo {
  /** The hook's stdin, whole (resolves '' when there is none). */
  readInput(): Promise<string>
  out(text: string): void
}

/** Reads stdin to its end, giving up after `ms` (a hook that never closes stdin must not hang us). */
export function readStdin(ms = 1000): Promise<string> {
  if (process.stdin.isTTY) return Promise.resolve('')
  return new Promise((resolve) => {
    let text = ''
    const done = (): void => {
      clearTimeout(timer)
      process.stdin.removeAllListeners()
      process.stdin.pause()
      resolve(text)
    }
    const timer = setTimeout(done, ms)
    process.stdin.setEncoding('utf8')
    process.stdin.on('data', (d: string) => (text += d))
    process.stdin.on('end', done)
    process.stdin.on('error', done)
  })
}

const stdio: StatuslineIo = { readInput: () => readStdin(), out: (t) => process.stdout.write(t) }

interface HookInput {
  sessionId: string | null
  model: string | null
  costUsd: number | null
  rateLimits: RateLimitSnapshot | null
}

/** The fields of the hook JSON the line uses; anything missing or malformed is null. */
export function parseHookInput(text: string, now: number): HookInput {
  let o: Record<string, unknown> = {}
  try {
    const v = JSON.parse(text) as unknown
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) o = v as Record<string, unknown>
  } catch {
    // Not JSON (or nothing): the line still shows what the store knows.
  }
  const model = o.model as Record<string, unknown> | undefined
  const cost = o.cost as Record<string, unknown> | undefined
  const name = typeof model?.display_name === 'string' ? model.display_name : typeof model?.id === 'string' ? model.id : null
  const usd =
    typeof cost?.total_cost_usd === 'number' && Number.isFinite(cost.total_cost_usd) && cost.total_cost_usd >= 0
      ? cost.total_cost_usd
      : null
  return {
    sessionId: typeof o.session_id === 'string' ? o.session_id : null,
    model: name,
    costUsd: usd,
    rateLimits: claudeSnapshot(o.rate_limits, now),
  }
}

// Cents by the one rule (src/shared/money.ts); from $100 whole dollars, to keep the status line short.
const usd = (n: number): string => (n >= 100 ? `$${Math.round(n)}` : formatCents(n))
const hm = (ms: number): string => {
  const m = Math.max(0, Math.round(ms / 60_000))
  return m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m`
}

/** The parts the store gives: today's spend, the active block, the most urgent budget. */
export function storeParts(store: Store, settings: ReturnType<typeof loadSettings>, tz: string, now: number): string[] {
  const parts: string[] = []
  const today = todaySpend(store, tz, now)
  parts.push(`today ${usd(today.costUsd)}${today.unpricedTokens > 0 ? '+' : ''}`)
  const [block] = listBlocks(store, { active: true, now })
  if (block) {
    const rate = block.burnRate?.costPerHour
    parts.push(`block ${hm(Date.parse(block.end) - now)} left${rate === undefined || rate === null ? '' : ` ${usd(rate)}/h`}`)
  }
  const [top] = budgetStatuses(store, settings, tz, now)
  if (top && Number.isFinite(top.fraction)) {
    parts.push(
      `${top.budget.id === 'daily' ? 'budget' : top.budget.name} ${Math.round(top.fraction * 100)}%${top.level === 'over' ? ' over' : ''}`,
    )
  }
  return parts
}

/** Runs `tokenwatch statusline`; always exits 0. */
export async function runStatusline(_args: string[], env: NodeJS.ProcessEnv = process.env, io: StatuslineIo = stdio): Promise<number> {
  const now = Date.now()
  let input: HookInput = { sessionId: null, model: null, costUsd: null, rateLimits: null }
  const head: string[] = []
  try {
    input = parseHookInput(await io.readInput(), now)
    if (input.model) head.push(input.model)
    if (input.costUsd !== null) head.push(`session ${usd(input.costUsd)}`)
    if (input.rateLimits)
      for (const w of input.rateLimits.windows)
        head.push(`${w.name === 'five_hour' ? '5h' : w.name === 'seven_day' ? '7d' : w.name} ${Math.round(w.usedPercent)}%`)
  } catch {
    // Keep going: the store may still answer.
  }
  const dir = dataDir(env)
  try {
    if (input.sessionId) {
      const rec: StatuslineRecord = {
        observedAt: now,
        sessionId: input.sessionId,
        model: input.model,
        costUsd: input.costUsd,
        rateLimits: input.rateLimits,
      }
      writeStatuslineRecord(dir, rec)
    }
  } catch {
    // A read-only or full disk costs the record, never the line.
  }
  let tail: string[]
  let store: Store | undefined
  try {
    const paths = dataPaths(dir)
    if (!existsSync(paths.db)) throw new Error('no store')
    const settings = loadSettings(paths.settings)
    const tz = viewerTimeZone(settings.timeZone).tz
    store = openStore(paths.db, { readonly: true })
    tail = storeParts(store, settings, tz, now)
  } catch {
    tail = ['Token Watch: no data']
  } finally {
    try {
      store?.close()
    } catch {
      // Closing a broken handle: nothing left to do.
    }
  }
  io.out(`${[...head, ...tail].join(' · ')}\n`)
  return 0
}
