import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'
import type Database from 'better-sqlite3'
import type { UsageEvent } from '../../../shared/usage'
import { MAX_REQUEST_TOKENS } from '../claude-code/parser'
import { plausibleTime } from '../parse-helpers'
import type { DatabaseReader, FileContext, RecordsOutcome, SkipReason } from '../types'
import { message, parseMessage, text, timestamp, uint, type ProtoField } from './protobuf'

/**
 * The cursor kept in our store: the last `gen_metadata.idx` read (read again next time: the row
 * being generated may still be rewritten), and the conversation's start and workspace once known.
 */
export interface AntigravityCursor {
  idx: number
  /** The highest idx looked at: a row read again counts as a record, or a skip, only once. */
  seen?: number
  created: number | null
  project: string | null
}

interface Row {
  idx: number
  data: unknown
}

function bytesOf(v: unknown): Uint8Array | undefined {
  if (v instanceof Uint8Array) return v
  if (typeof v === 'string') return Buffer.from(v, 'utf8')
  return undefined
}

/**
 * The model a generation names: the display label (`Gemini 3.1 Pro (High)` → `gemini-3.1-pro`,
 * as ccusage prices it; the effort in brackets is not part of the model), else the response model
 * (#19) unless it is an internal placeholder.
 */
export function antigravityModel(chat: readonly ProtoField[]): string {
  const display = text(chat, 21)
  if (display) {
    const name = display
      .toLowerCase()
      .replace(/\([^)]*\)/g, '')
      .replace(/\bthinking\b/g, '')
      .trim()
      .replace(/\s+/g, '-')
    if (/^(gemini|claude|gpt)-/.test(name)) return name.startsWith('claude-') ? name.replace(/\./g, '-') : name
  }
  const raw = text(chat, 19)
  return raw && !/^model_placeholder/i.test(raw) ? raw : 'unknown'
}

/** The conversation's start (#2, a Timestamp) and workspace (#1.#1, a file:// URI) from `trajectory_metadata_blob`. */
function trajectoryMeta(db: Database.Database): { created: number | null; project: string | null } {
  let blob: unknown
  try {
    blob = db.prepare('SELECT data FROM trajectory_metadata_blob LIMIT 1').pluck().get()
  } catch {
    return { created: null, project: null }
  }
  const b = bytesOf(blob)
  const fields = b ? parseMessage(b) : undefined
  const created = timestamp(fields, 2)
  const uri = text(message(fields, 1), 1)
  let project: string | null = null
  if (uri?.startsWith('file://')) {
    try {
      project = fileURLToPath(uri)
    } catch {
      project = null
    }
  }
  return { created: Number.isNaN(created) ? null : created, project }
}

/** `seen` of a database without `gen_metadata`, already reported. */
const UNKNOWN_SHAPE = -2

type Outcome = { kind: 'event'; event: UsageEvent } | { kind: 'none' } | { kind: 'skip'; reason: SkipReason }

/**
 * One `gen_metadata` row: `GeneratorMetadata.chatModel` (#1) holds the usage (#4: input #2, cache
 * read #5, output #3 = response #9 + thinking #10, response id #11), the models (#19, #21) and the
 * generation's start (#9.#4, a Timestamp, in agy ≤ 1.1.17).
 */
function rowEvent(r: Row, conversation: string, cursor: AntigravityCursor, ctx: FileContext): Outcome {
  const b = bytesOf(r.data)
  const root = b ? parseMessage(b) : undefined
  const chat = message(root, 1)
  if (!root || (root.some((f) => f.field === 1) && !chat)) return { kind: 'skip', reason: 'bad-field' }
  if (!chat) return { kind: 'none' }
  const usage = message(chat, 4)
  if (!usage) return { kind: 'none' }
  const input = uint(usage, 2)
  const cacheRead = uint(usage, 5)
  const total = uint(usage, 3)
  const parts = uint(usage, 9) + uint(usage, 10)
  const output = total > 0 ? total : parts
  if ([input, cacheRead, output].some((n) => Number.isNaN(n) || n > MAX_REQUEST_TOKENS)) return { kind: 'skip', reason: 'bad-field' }
  if (input + cacheRead + output === 0) return { kind: 'none' }
  let ts = timestamp(message(chat, 9), 4)
  if (Number.isNaN(ts)) ts = cursor.created ?? ctx.mtimeMs ?? Number.NaN
  if (Number.isNaN(ts) || !plausibleTime(ts)) return { kind: 'skip', reason: 'implausible-time' }
  const response = text(usage, 11)
  return {
    kind: 'event',
    event: {
      key: `antigravity:${conversation}:${response && /^\S+$/.test(response) ? response : `i${r.idx}`}`,
      ts,
      source: 'antigravity',
      userId: ctx.userId,
      agentId: 'antigravity',
      project: cursor.project ?? '',
      sessionId: conversation,
      model: antigravityModel(chat),
      input,
      output,
      cacheRead,
      cacheWrite: 0,
      cacheWrite1h: 0,
    },
  }
}

/**
 * An Antigravity conversation database (`conversations/<id>.db`): each `gen_metadata` row is one
 * generation, read past the cursor (the last row again: it may still be rewritten in place, and
 * its key is the response id, so a re-read corrects it instead of adding it). A generation without
 * its own start is stamped by the conversation's start, else by the database's file time when read.
 */
export const antigravityReader: DatabaseReader<AntigravityCursor> = {
  source: 'antigravity',
  initialState: () => ({ idx: -1, seen: -1, created: null, project: null }),
  readRows(db, cursor, ctx, maxRows): RecordsOutcome<AntigravityCursor> & { done: boolean; bytes: number } {
    const conversation = basename(ctx.path).replace(/\.db$/, '')
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gen_metadata'").pluck().get() !== undefined
    // Not a conversation database (the IDE's `steps` layout): said once, not at every change.
    if (!hasTable) {
      const told = cursor.seen === UNKNOWN_SHAPE
      return {
        events: [],
        records: told ? 0 : 1,
        skips: told ? [] : ['unknown-shape'],
        state: { ...cursor, seen: UNKNOWN_SHAPE },
        done: true,
        bytes: 0,
      }
    }
    let state = cursor
    if (state.created === null && state.project === null) state = { ...state, ...trajectoryMeta(db) }
    const rows = db.prepare('SELECT idx, data FROM gen_metadata WHERE idx >= ? ORDER BY idx LIMIT ?').all(state.idx, maxRows) as Row[]
    const events: UsageEvent[] = []
    const skips: SkipReason[] = []
    let bytes = 0
    const seen = state.seen ?? -1
    let records = 0
    for (const r of rows) {
      bytes += bytesOf(r.data)?.length ?? 0
      const again = r.idx <= seen
      if (!again) records++
      const o = rowEvent(r, conversation, state, ctx)
      if (o.kind === 'event') events.push(o.event)
      else if (o.kind === 'skip' && !again) skips.push(o.reason)
    }
    const done = rows.length < maxRows
    const last = rows[rows.length - 1]
    // Done: the last row is read again next time; not done: read on after it.
    const idx = last ? (done ? last.idx : last.idx + 1) : state.idx
    return { events, records, skips, state: { ...state, idx, seen: Math.max(seen, last?.idx ?? seen) }, done, bytes }
  },
}
