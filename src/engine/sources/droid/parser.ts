import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { asObject, asString, isoTime, parseJsonObject, plausibleTime, tokenCount } from '../parse-helpers'
import { increment, isCounters, maxCounters, type Counters } from '../running-total'
import type { DocumentParser, FileContext, RecordsOutcome } from '../types'

/** The counters of `tokenUsage`, in this order. */
const FIELDS = ['inputTokens', 'outputTokens', 'cacheCreationTokens', 'cacheReadTokens', 'thinkingTokens'] as const

/**
 * What our store keeps with a settings file: its session and the session's counters counted so far
 * (by any copy of the session), and the project and model read once from the sidecar transcript.
 */
export interface DroidState {
  droidSession: string
  counted: number[] | null
  project?: string
  sidecarModel?: string | null
}

/** The session id of a settings file: `<id>.settings.json`. */
export function droidSessionOf(path: string): string {
  return basename(path).replace(/\.settings\.json$/, '')
}

/** How much of the sidecar transcript is looked at for its `session_start` line and a model name. */
const SIDECAR_BYTES = 256 * 1024

/**
 * The sidecar `<id>.jsonl` beside a settings file: its first line (`session_start`) names the
 * working directory; a `Model: …` line names the model when the settings file does not.
 */
function readSidecar(path: string): { cwd?: string; model?: string } {
  const file = join(dirname(path), `${droidSessionOf(path)}.jsonl`)
  let fd: number | undefined
  try {
    fd = openSync(file, 'r')
    const buf = Buffer.allocUnsafe(SIDECAR_BYTES)
    const text = buf.toString('utf8', 0, readSync(fd, buf, 0, SIDECAR_BYTES, 0))
    const nl = text.indexOf('\n')
    const first = parseJsonObject(nl === -1 ? text : text.slice(0, nl))
    const cwd = first?.type === 'session_start' ? asString(first.cwd) : undefined
    const m = /Model:\s*([^"\\[]+)/.exec(text)
    const model = m?.[1] ? normalizeDroidModel(m[1]) : undefined
    return { cwd, model: model || undefined }
  } catch {
    return {}
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Droid's model names as priced elsewhere, as ccusage normalises them: `custom:` and bracketed
 * provider tags dropped, lower case, dots and spaces to dashes (`Claude-Sonnet-4-[Anthropic]` →
 * `claude-sonnet-4`). A custom model's trailing index (`custom:GLM-5.1-[Proxy]-0`) is not part of
 * its name and is dropped too.
 */
export function normalizeDroidModel(raw: string): string {
  const custom = raw.trim().startsWith('custom:')
  let s = raw
    .trim()
    .replace(/^custom:/, '')
    .replace(/\[[^\]]*\]/g, '')
  s = s
    .trim()
    .toLowerCase()
    .replace(/[.\s-]+/g, '-')
    .replace(/^-+|-+$/g, '')
  if (custom) s = s.replace(/-\d+$/, '')
  return s
}

/** The model a provider lock implies when no model is named. */
function providerModel(lock: string | undefined): string {
  switch (lock?.toLowerCase()) {
    case 'anthropic':
    case 'claude':
      return 'claude-unknown'
    case 'openai':
      return 'gpt-unknown'
    case 'google':
    case 'gemini':
      return 'gemini-unknown'
    default:
      return 'unknown'
  }
}

/** The session counters other settings files of the same session have counted (the scan's shared map). */
function countedElsewhere(ctx: FileContext, session: string): Counters | undefined {
  const v = ctx.shared?.get(`droid:${session}`)
  return isCounters(v, FIELDS.length) ? v : undefined
}

/** Builds the shared map from the saved states: every session's counters, the largest over its copies. */
export function droidSharedState(savedStates: Iterable<string>, newFiles: readonly string[] = []): Map<string, unknown> {
  const shared = new Map<string, unknown>()
  for (const json of savedStates) {
    if (!json.includes('"droidSession"')) continue
    const s = parseJsonObject(json)
    const id = asString(s?.droidSession)
    if (!id || !isCounters(s?.counted, FIELDS.length)) continue
    const key = `droid:${id}`
    shared.set(key, maxCounters(shared.get(key) as Counters | undefined, s.counted))
  }
  // A session first seen in several copies at once (live and archived): only the copy holding the
  // most is counted, whole at its own file time, whichever order the files are read in.
  const bySession = new Map<string, string[]>()
  for (const f of newFiles) {
    const id = droidSessionOf(f)
    if (!shared.has(`droid:${id}`)) bySession.set(id, [...(bySession.get(id) ?? []), f])
  }
  for (const [id, files] of bySession) {
    if (files.length < 2) continue
    let best: { path: string; sum: number; mtime: number } | undefined
    for (const path of files) {
      try {
        const usage = asObject(parseJsonObject(readFileSync(path, 'utf8'))?.tokenUsage)
        if (!usage) continue
        const sum = FIELDS.reduce((a, f) => a + (tokenCount(usage[f]) || 0), 0)
        const mtime = statSync(path).mtimeMs
        if (!best || sum > best.sum || (sum === best.sum && mtime > best.mtime)) best = { path, sum, mtime }
      } catch {
        /* unreadable now: the scan reports it */
      }
    }
    if (best) shared.set(`droid-first:${id}`, best.path)
  }
  return shared
}

/**
 * Factory Droid's `<id>.settings.json`: one running `tokenUsage` per session, rewritten in place.
 * Each read becomes one increment, the counters above what the session already counted (by this
 * file or another copy: the archive keeps an older one), stamped at the file's modification time:
 * while the app runs that is each change's own quarter-hour; on a first backfill the whole session
 * lands at its last write. The key is the session and the counters it reaches, so a re-read of the
 * same snapshot is the same record.
 */
export const droidParser: DocumentParser<DroidState> = {
  source: 'droid',
  initialState: (ctx) => ({ droidSession: droidSessionOf(ctx.path), counted: null }),
  parseDocument(text, state, ctx): RecordsOutcome<DroidState> {
    const doc = parseJsonObject(text)
    if (!doc) return { events: [], records: 1, skips: ['malformed-json'], state }
    const usage = asObject(doc.tokenUsage)
    if (doc.tokenUsage === undefined) return { events: [], records: 1, skips: [], state }
    if (!usage) return { events: [], records: 1, skips: ['bad-field'], state }
    const now: number[] = FIELDS.map((f) => tokenCount(usage[f]))
    const total = tokenCount(usage.totalTokens)
    if ([...now, total].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS))
      return { events: [], records: 1, skips: ['bad-field'], state }
    // Only a total (older builds): count it as output, as ccusage does.
    if (!now.some((n) => n > 0) && total > 0) now[1] = total
    const session = state.droidSession
    let next: DroidState = state
    let sidecarModel = state.sidecarModel
    if (next.project === undefined) {
      // Read until the transcript names its working directory (it may be written after the settings).
      const side = readSidecar(ctx.path)
      sidecarModel = side.model ?? null
      if (side.cwd !== undefined) next = { ...next, project: side.cwd, sidecarModel }
    }
    const lock = asString(doc.providerLockTimestamp)
    const ts = ctx.mtimeMs !== undefined && plausibleTime(ctx.mtimeMs) ? ctx.mtimeMs : isoTime(lock)
    if (Number.isNaN(ts) || !plausibleTime(ts)) return { events: [], records: 1, skips: ['implausible-time'], state: next }
    // Another copy of a session first seen in this scan holds more: that copy counts, not this one.
    const first = ctx.shared?.get(`droid-first:${session}`)
    if (state.counted === null && typeof first === 'string' && first !== ctx.path && countedElsewhere(ctx, session) === undefined) {
      return { events: [], records: 1, skips: [], state: next }
    }
    const before = maxCounters(next.counted ?? undefined, countedElsewhere(ctx, session))
    const { delta, counted } = increment(before, now)
    next = { ...next, counted }
    ctx.shared?.set(`droid:${session}`, counted)
    if (delta.every((n) => n === 0)) return { events: [], records: 1, skips: [], state: next }
    const named = asString(doc.model)
    const model = (named ? normalizeDroidModel(named) : '') || sidecarModel || providerModel(asString(doc.providerLock))
    const [input = 0, output = 0, cacheWrite = 0, cacheRead = 0, thinking = 0] = delta
    const event: UsageEvent = {
      key: `droid:${session}:${counted.join(':')}`,
      ts,
      source: 'droid',
      userId: ctx.userId,
      agentId: 'droid',
      project: next.project ?? '',
      sessionId: session,
      model,
      input,
      // Thinking is billed as output.
      output: output + thinking,
      cacheRead,
      cacheWrite,
      cacheWrite1h: 0,
    }
    return { events: [event], records: 1, skips: [], state: next }
  },
}
