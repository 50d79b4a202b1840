/**
 * Plan limits as the agents report them: Codex writes `rate_limits` into its rollouts' token_count
 * events; Claude Code passes `rate_limits` to its status-line command, which `tokenwatch
 * statusline` records here. Nothing is estimated: no report, no figure.
 */
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PlanLimits, RateLimitSnapshot, RateLimitWindow } from '../../shared/contract'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null)

/** Epoch seconds or ms, or an ISO string, to epoch ms. */
function instant(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v < 1e12 ? v * 1000 : v
  if (typeof v === 'string') {
    const t = Date.parse(v)
    return Number.isFinite(t) ? t : null
  }
  return null
}

function window(name: string, v: unknown, observedAt: number, percentKey: string): RateLimitWindow | null {
  if (!isObj(v)) return null
  const used = num(v[percentKey])
  if (used === null || used < 0) return null
  const resetsIn = num(v.resets_in_seconds)
  const resetsAt = instant(v.resets_at) ?? (resetsIn === null ? null : observedAt + resetsIn * 1000)
  return { name, usedPercent: used, windowMinutes: num(v.window_minutes), resetsAt }
}

/** A Codex `rate_limits` object at `observedAt`, or null when it has no usable window. */
export function codexSnapshot(rateLimits: unknown, observedAt: number): RateLimitSnapshot | null {
  if (!isObj(rateLimits)) return null
  const windows = (['primary', 'secondary'] as const)
    .map((k) => window(k, rateLimits[k], observedAt, 'used_percent'))
    // A window without its length or reset is a placeholder Codex writes before it knows the limits.
    .filter((w): w is RateLimitWindow => w !== null && (w.windowMinutes !== null || w.resetsAt !== null))
  if (windows.length === 0) return null
  return { from: 'codex-rollout', observedAt, planType: typeof rateLimits.plan_type === 'string' ? rateLimits.plan_type : null, windows }
}

/** Claude Code's status-line `rate_limits` (five_hour, seven_day), or null. */
export function claudeSnapshot(rateLimits: unknown, observedAt: number): RateLimitSnapshot | null {
  if (!isObj(rateLimits)) return null
  const minutes: Record<string, number> = { five_hour: 300, seven_day: 10080 }
  const windows = Object.entries(rateLimits)
    .map(([k, v]) => {
      const w = window(k, v, observedAt, 'used_percentage')
      return w && w.windowMinutes === null && minutes[k] ? { ...w, windowMinutes: minutes[k] ?? null } : w
    })
    .filter((w): w is RateLimitWindow => w !== null)
  return windows.length === 0 ? null : { from: 'claude-statusline', observedAt, planType: null, windows }
}

const TAIL_BYTES = 512 * 1024
const NEWEST_FILES = 8

function newestJsonl(roots: string[]): { path: string; mtime: number }[] {
  const found: { path: string; mtime: number }[] = []
  const walk = (dir: string, depth: number): void => {
    let names: string[]
    try {
      names = readdirSync(dir)
    } catch {
      return
    }
    for (const name of names) {
      const p = join(dir, name)
      try {
        const st = statSync(p)
        if (st.isDirectory() && depth < 6) walk(p, depth + 1)
        else if (st.isFile() && name.endsWith('.jsonl')) found.push({ path: p, mtime: st.mtimeMs })
      } catch {
        // Gone or unreadable: the next file may still tell.
      }
    }
  }
  for (const r of roots) walk(r, 0)
  return found.sort((a, b) => b.mtime - a.mtime).slice(0, NEWEST_FILES)
}

function tail(path: string): string {
  const fd = openSync(path, 'r')
  try {
    const size = statSync(path).size
    const len = Math.min(size, TAIL_BYTES)
    const buf = Buffer.alloc(len)
    readSync(fd, buf, 0, len, size - len)
    return buf.toString('utf8')
  } finally {
    closeSync(fd)
  }
}

/** The newest Codex rate-limit snapshot in the rollouts under `roots` (the newest files' tails). */
export function readCodexRateLimits(roots: string[]): RateLimitSnapshot | null {
  let best: RateLimitSnapshot | null = null
  for (const f of newestJsonl(roots)) {
    let text: string
    try {
      text = tail(f.path)
    } catch {
      continue
    }
    const lines = text.split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      const line = lines[i]
      if (!line || !line.includes('"rate_limits"')) continue
      let o: unknown
      try {
        o = JSON.parse(line)
      } catch {
        continue // the cut first line of the tail, or a torn last one
      }
      if (!isObj(o) || !isObj(o.payload) || o.payload.type !== 'token_count') continue
      const at = instant(o.timestamp)
      if (at === null) continue
      const snap = codexSnapshot(o.payload.rate_limits, at)
      if (snap) {
        if (!best || snap.observedAt > best.observedAt) best = snap
        break
      }
    }
  }
  return best
}

/** What `tokenwatch statusline` keeps of the newest hook input. */
export interface StatuslineRecord {
  observedAt: number
  sessionId: string
  model: string | null
  costUsd: number | null
  rateLimits: RateLimitSnapshot | null
}

export const STATUSLINE_FILE = 'claude-statusline.json'

/** Writes the record atomically beside the store (the store itself has one writer: the engine). */
export function writeStatuslineRecord(dir: string, rec: StatuslineRecord): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const path = join(dir, STATUSLINE_FILE)
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(rec) + '\n', { mode: 0o600 })
  renameSync(tmp, path)
}

/** The newest recorded status-line input, or null (none yet, or unreadable). */
export function readStatuslineRecord(dir: string): StatuslineRecord | null {
  try {
    const o = JSON.parse(readFileSync(join(dir, STATUSLINE_FILE), 'utf8')) as unknown
    if (!isObj(o) || typeof o.observedAt !== 'number' || typeof o.sessionId !== 'string') return null
    return o as unknown as StatuslineRecord
  } catch {
    return null
  }
}

/** Plan limits from every source that reports them. */
export function planLimits(dataDir: string, codexRoots: string[]): PlanLimits {
  const rec = readStatuslineRecord(dataDir)
  return {
    codex: readCodexRateLimits(codexRoots),
    claude: rec?.rateLimits ?? null,
    claudeSession: rec ? { sessionId: rec.sessionId, costUsd: rec.costUsd, model: rec.model, observedAt: rec.observedAt } : null,
  }
}
