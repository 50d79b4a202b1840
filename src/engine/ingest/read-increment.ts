import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import { fingerprintOf } from '../store/fingerprint'
import type { UsageEvent } from '../../shared/usage'
import type { FileContext, LineOutcome, LineParser, SkipReason, Supersede } from '../sources/types'
import type { FileCheckpoint } from './apply-batch'
import { claudeObject, FIELDS, HEADER, NATIVE_MODE, nativeScan, RECORD, RECORDS_PER_CALL } from './native-scan'

/** What the store remembers of a file between reads. */
export interface StoredFile {
  offset: number
  size: number
  mtimeMs: number
  ino: number
  fingerprint: string
  state: string
}

export interface Increment {
  checkpoint: FileCheckpoint
  events: UsageEvent[]
  /** Records of the file's source this read replaces (see Supersede). */
  supersede?: Supersede[]
  /** False when the read stopped at `maxBytes` and more is waiting. */
  done: boolean
  bytesRead: number
  /** Where the read's time went (ms): what `scan --json` and the benchmark show per stage. */
  stages?: ReadStages
  /** Set when a parse worker merged the events per key (packed-events.ts): sightings merged away. */
  premerged?: number
  /** With `premerged`: the latest instant among all the sightings read. */
  lastEventTs?: number | null
}

/** Milliseconds spent reading bytes, finding the lines worth parsing, and parsing them. */
export interface ReadStages {
  readMs: number
  searchMs: number
  extractMs: number
}

/** Lines longer than this are skipped (counted) rather than held in memory. */
export const MAX_LINE_BYTES = 16 * 1024 * 1024
const CHUNK_BYTES = 1024 * 1024
const FINGERPRINT_BYTES = 64
const NEWLINE = 10

let shared: Buffer = Buffer.allocUnsafe(CHUNK_BYTES)
// The native scanner's output: records of up to RECORDS_PER_CALL candidate lines per call.
let nativeOut: Int32Array | undefined
let nativeNums: Float64Array | undefined

/** The bytes just before `offset` (up to 64): if they change, the file was rewritten under us. */
function bytesBefore(fd: number, offset: number): Buffer {
  const len = Math.min(FINGERPRINT_BYTES, offset)
  if (len === 0) return Buffer.alloc(0)
  const buf = Buffer.allocUnsafe(len)
  const n = readSync(fd, buf, 0, len, offset - len)
  return buf.subarray(0, n)
}

/** Whether the whole-file read must start over: replaced, truncated or rewritten in place. */
function mustRestart(fd: number, stored: StoredFile, size: number, ino: number): boolean {
  if (ino !== stored.ino || size < stored.offset) return true
  const before = bytesBefore(fd, stored.offset)
  // A store from before v7 that was not migrated yet would hold the bytes as hex: still honoured.
  return fingerprintOf(before) !== stored.fingerprint && before.toString('hex') !== stored.fingerprint
}

/**
 * Reads what is new in a log file since `stored` (up to about `maxBytes`), parsing only complete
 * lines that contain one of the parser's needles. A last line without its newline waits for it
 * unless it already parses as whole JSON. Returns null when nothing changed (size, mtime, inode).
 */
export function readIncrement<S>(
  path: string,
  stored: StoredFile | undefined,
  parser: LineParser<S>,
  ctx: FileContext,
  maxBytes = 8 * 1024 * 1024,
): Increment | null {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd)
    const size = st.size
    const ino = Number(st.ino)
    if (stored && stored.size === size && stored.mtimeMs === Math.trunc(st.mtimeMs) && stored.ino === ino) return null
    const restart = stored !== undefined && mustRestart(fd, stored, size, ino)
    let offset = stored && !restart ? stored.offset : 0
    const state: S = stored && !restart ? (JSON.parse(stored.state) as S) : parser.initialState(ctx)
    const counts = { lines: 0, events: 0, skipped: 0, skipReasons: {} as Record<string, number> }
    const skip = (reason: SkipReason): void => {
      counts.skipped++
      counts.skipReasons[reason] = (counts.skipReasons[reason] ?? 0) + 1
    }
    const events: UsageEvent[] = []
    const needles = parser.needles.map((n) => Buffer.from(n, 'latin1'))
    const anchors = needles.map(anchorOf)
    const start = offset
    let skippingLongLine = false
    let longLineStart = 0 // where the line being skipped began

    // Next occurrence of each needle in the current chunk view: one linear pass per chunk.
    const nextAt = needles.map(() => -1)
    let nextNul = -1
    // JSON text never holds a NUL byte: a line with one is binary data in a .jsonl file.
    const hasNul = (a: number, b: number): boolean => {
      if (nextNul !== Infinity && nextNul < a) {
        const at = view.indexOf(0, a)
        nextNul = at === -1 ? Infinity : at
      }
      return nextNul < b
    }
    let view: Buffer = shared
    const setView = (v: Buffer): void => {
      view = v
      nextAt.fill(-1)
      nextNul = -1
    }
    const hasNeedle = (a: number, b: number): boolean => {
      for (let i = 0; i < needles.length; i++) {
        let at = nextAt[i] as number
        if (at !== Infinity && at < a) {
          at = findNeedle(view, needles[i] as Buffer, anchors[i] as Anchor, a)
          if (at === -1) at = Infinity
          nextAt[i] = at
        }
        if (at < b) return true
      }
      return false
    }
    const stages: ReadStages = { readMs: 0, searchMs: 0, extractMs: 0 }
    const handleLine = (a: number, b: number): void => {
      counts.lines++
      if (hasNul(a, b)) return skip('binary')
      if (!hasNeedle(a, b)) return
      const t = performance.now()
      parseCandidate(a, b)
      stages.extractMs += performance.now() - t
    }
    const parseCandidate = (a: number, b: number): void => {
      const bytes = view.subarray(a, b)
      if (!isUtf8(bytes)) return skip('invalid-utf8')
      take(parser.parseLine(bytes.toString('utf8'), state, ctx))
    }
    const take = (out: LineOutcome): void => {
      if (out.kind === 'event') {
        events.push(out.event)
        counts.events++
      } else if (out.kind === 'skip') skip(out.reason)
      else if (out.kind === 'events') {
        for (const e of out.events) events.push(e)
        counts.events += out.events.length
      }
    }

    // The native scanner, when it loaded: the same lines, counts and outcomes as the JS loop below.
    const native = nativeScan()
    const nativeMode = native && parser.native && parser.parseObject ? NATIVE_MODE[parser.native] : NATIVE_MODE.none
    const anchorOffsets = anchors.map((a) => a.offset)
    const parseObject = parser.parseObject?.bind(parser)
    /** Every complete line of shared[from, end) through the native scanner; returns the offset after the last. */
    const scanNative = (from: number, end: number): number => {
      if (!native) return from
      nativeOut ??= new Int32Array(HEADER + RECORDS_PER_CALL * RECORD)
      nativeNums ??= new Float64Array(RECORDS_PER_CALL * FIELDS)
      const out = nativeOut
      const nums = nativeNums
      let pos = from
      for (;;) {
        const next = native.scan(shared, pos, end, needles, anchorOffsets, nativeMode, out, nums)
        counts.lines += out[0] as number
        const records = out[3] as number
        const t = performance.now()
        for (let r = 0; r < records; r++) {
          const at = HEADER + r * RECORD
          const kind = out[at]
          if (kind === 1 && parseObject) take(parseObject(claudeObject(shared, out, nums, r), state, ctx))
          else if (kind === 0) take(parser.parseLine(shared.toString('utf8', out[at + 1], out[at + 2]), state, ctx))
          else skip(kind === 2 ? 'binary' : 'invalid-utf8')
        }
        stages.extractMs += performance.now() - t
        pos = next
        if (records < RECORDS_PER_CALL) return pos
      }
    }

    let carry = 0 // bytes of an incomplete line kept at the start of `shared`
    // A line being skipped is followed to its end whatever the budget: its skip state is not saved.
    while (offset + carry < size && (offset - start < maxBytes || skippingLongLine)) {
      if (carry === shared.length) {
        if (shared.length >= MAX_LINE_BYTES) {
          // A line this long is skipped without holding it: drop what we have, find its end.
          if (!skippingLongLine) longLineStart = offset
          skippingLongLine = true
          offset += carry
          carry = 0
        } else {
          const bigger = Buffer.allocUnsafe(Math.min(shared.length * 2, MAX_LINE_BYTES))
          shared.copy(bigger, 0, 0, carry)
          shared = bigger
        }
      }
      const want = Math.min(shared.length - carry, size - offset - carry)
      const t0 = performance.now()
      // The native read returns -1 on an error: readSync then raises Node's own (EISDIR, EIO …).
      let n = native ? native.read(fd, shared, carry, want, offset + carry) : -1
      if (n < 0) n = readSync(fd, shared, carry, want, offset + carry)
      const t1 = performance.now()
      stages.readMs += t1 - t0
      if (n <= 0) break
      const end = carry + n
      setView(shared.subarray(0, end))
      let pos = 0
      if (native && skippingLongLine) {
        // The end of the line being skipped, then the native scanner from the line after it.
        const nl = shared.indexOf(NEWLINE, 0)
        if (nl !== -1 && nl < end) {
          skippingLongLine = false
          counts.lines++
          skip('line-too-long')
          pos = nl + 1
        }
      }
      if (native && !skippingLongLine) pos = scanNative(pos, end)
      else
        for (;;) {
          const nl = shared.indexOf(NEWLINE, pos)
          if (nl === -1 || nl >= end) break
          if (skippingLongLine) {
            skippingLongLine = false
            counts.lines++
            skip('line-too-long')
          } else {
            // Empty lines (LF or CRLF alike) are not lines: a CRLF split across reads counts the same.
            const end = nl > pos && shared[nl - 1] === 13 ? nl - 1 : nl
            if (end > pos) handleLine(pos, end)
          }
          pos = nl + 1
        }
      offset += pos
      carry = end - pos
      if (carry > 0 && pos > 0) shared.copy(shared, 0, pos, end)
      stages.searchMs += performance.now() - t1
    }
    // An over-long line still being written: wait at its start, so its tail is never read as a line.
    if (skippingLongLine) offset = longLineStart
    // An unterminated last line: take it only if it is already whole JSON, else wait for more.
    else if (carry > 0 && offset + carry === size) {
      const tail = shared.subarray(0, carry)
      if (isWholeJson(tail)) {
        setView(tail)
        handleLine(0, carry)
        offset += carry
      }
    }
    const checkpoint: FileCheckpoint = {
      path,
      source: parser.source,
      expectOffset: stored ? stored.offset : null,
      offset,
      size,
      mtimeMs: Math.trunc(st.mtimeMs),
      ino,
      fingerprint: fingerprintOf(bytesBefore(fd, offset)),
      state: JSON.stringify(state),
      ...counts,
      rewritten: restart,
    }
    // Not done while bytes remain past a complete line; a waiting partial line counts as done.
    const done = offset - start < maxBytes || offset >= size
    if (!done) checkpoint.size = -1 // forces the next call to read on even if size/mtime match
    stages.searchMs = Math.max(0, stages.searchMs - stages.extractMs)
    return { checkpoint, events, done, bytesRead: offset - start, stages }
  } finally {
    closeSync(fd)
  }
}

/**
 * Where a needle is looked for: from its byte least common in logs to its end. Buffer.indexOf
 * steps from one occurrence of the pattern's first byte to the next, and `"` (the first byte of
 * `"usage"`) comes every few bytes in JSON; `ge"` starts at a byte ten times rarer. A hit of the
 * anchor is a match only when the bytes before it complete the needle.
 */
export interface Anchor {
  /** The needle's bytes from `offset` on. */
  tail: Buffer
  offset: number
}

/** Bytes from most to least common in JSON logs of code and prose (the rarest of a needle anchors it). */
const COMMON = Buffer.from(' "etaoinsr:,lcdu\\hmp_/f.-0y1w2b{}gv3k[]5x6j4897qz', 'latin1')

export function anchorOf(needle: Buffer): Anchor {
  let offset = 0
  let rank = -1
  for (let k = 0; k < needle.length; k++) {
    const r = COMMON.indexOf(needle[k] as number)
    // A byte not in the list is rarer than any in it.
    const rk = r === -1 ? COMMON.length : r
    if (rk > rank) {
      rank = rk
      offset = k
    }
  }
  return { tail: needle.subarray(offset), offset }
}

/** The first index >= `from` where `needle` occurs in `view`, or -1. */
export function findNeedle(view: Buffer, needle: Buffer, anchor: Anchor, from: number): number {
  if (anchor.offset === 0) return view.indexOf(needle, from)
  for (;;) {
    const hit = view.indexOf(anchor.tail, from + anchor.offset)
    if (hit === -1) return -1
    const start = hit - anchor.offset
    if (view.compare(needle, 0, anchor.offset, start, hit) === 0) return start
    from = start + 1
  }
}

function isWholeJson(bytes: Buffer): boolean {
  if (bytes[0] !== 0x7b || !isUtf8(bytes)) return false
  try {
    JSON.parse(bytes.toString('utf8'))
    return true
  } catch {
    return false
  }
}
