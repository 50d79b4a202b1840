/**
 * The native scanner (native/scan: a C N-API addon built by `npm install`), when it loaded: it
 * reads a file's bytes, splits the lines, finds the candidate ones and, for Claude Code, takes the
 * fields the parser reads from lines it validated as whole JSON; anything it is not sure of comes
 * back to JS for JSON.parse. Without it (no compiler at install, TOKENWATCH_NATIVE_SCAN=0) the
 * reader runs its JS path; both give the same outcome for every line (test/engine/ingest/native-scan.test.ts).
 */
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Json } from '../sources/parse-helpers'

export interface NativeScan {
  scan(
    buf: Uint8Array,
    start: number,
    end: number,
    needles: Uint8Array[],
    anchors: number[],
    mode: number,
    out: Int32Array,
    nums: Float64Array,
  ): number
  read(fd: number, buf: Uint8Array, off: number, len: number, position: number): number
  layout: number
}

/**
 * Layout of `out` (see native/scan/scan.c): header (lines, binary, invalid UTF-8, records), then per
 * record its kind (0: a line for JS, 1: Claude Code fields, 2: a binary line, 3: invalid UTF-8),
 * line start, line end, then per field its tag, start, end.
 */
export const HEADER = 8
export const FIELDS = 17
export const RECORD = 3 + FIELDS * 3
/** Records one scan call may emit before it returns to have them read. */
export const RECORDS_PER_CALL = 4096

const F = {
  type: 0,
  message: 1,
  usage: 2,
  model: 3,
  id: 4,
  apiErr: 5,
  ts: 6,
  input: 7,
  output: 8,
  cacheRead: 9,
  cacheWrite: 10,
  cacheCreation: 11,
  eph1h: 12,
  requestId: 13,
  cwd: 14,
  sessionId: 15,
  costUSD: 16,
} as const
const T_ABSENT = 0
const T_NULL = 1
const T_FALSE = 2
const T_TRUE = 3
const T_NUMBER = 4
const T_STRING = 5
const T_OBJECT = 6

/** Which native extractor a parser's lines take (0: none, every candidate line back to JS). */
export const NATIVE_MODE = { none: 0, 'claude-code': 1 } as const

let loaded: NativeScan | null | undefined
let why = ''

function moduleDir(): string {
  // CJS bundles (out/cli, out/main) have __dirname; under ESM (vitest on src) import.meta.url works.
  if (typeof __dirname === 'string') return __dirname
  try {
    return dirname(fileURLToPath(import.meta.url))
  } catch {
    return process.cwd()
  }
}

/** Where the addon is looked for: beside the bundle (copied there), else native/scan/build/Release above it. */
function candidates(): string[] {
  const out: string[] = []
  const env = process.env.TOKENWATCH_NATIVE_SCAN_PATH
  if (env) out.push(env)
  let dir = moduleDir()
  out.push(join(dir, 'tw_scan.node'))
  for (let i = 0; i < 6; i++) {
    out.push(join(dir, 'native', 'scan', 'build', 'Release', 'tw_scan.node'))
    const up = dirname(dir)
    if (up === dir) break
    dir = up
  }
  return out
}

/** The addon, or null when it is switched off or did not build (nativeScanStatus says why). */
export function nativeScan(): NativeScan | null {
  if (loaded !== undefined) return loaded
  loaded = null
  if (process.env.TOKENWATCH_NATIVE_SCAN === '0') {
    why = 'switched off (TOKENWATCH_NATIVE_SCAN=0)'
    return null
  }
  const req = createRequire(join(moduleDir(), 'native-scan.js'))
  for (const p of candidates()) {
    // Inside an asar archive existsSync answers for the archive's entries (unpacked ones load from app.asar.unpacked).
    if (!existsSync(p)) continue
    try {
      const m = req(p) as NativeScan
      if (m.layout !== HEADER * 10000 + RECORD * 100 + FIELDS) {
        why = `${p} is from another version (rebuild with npm install)`
        continue
      }
      loaded = m
      why = ''
      return m
    } catch (err) {
      why = `${p} did not load: ${(err as Error).message}`
    }
  }
  if (!why) why = 'not built (npm install builds native/scan when a C compiler is there)'
  return null
}

/** Which scanner reads log lines: what `scan --json` reports. */
export function nativeScanStatus(): { scanner: 'native' | 'js'; reason?: string } {
  return nativeScan() ? { scanner: 'native' } : { scanner: 'js', reason: why }
}

/**
 * The object JSON.parse would give for a Claude Code line, pruned to the fields the parser reads
 * (every other property is one it never looks at), from record `r` of a scan.
 */
export function claudeObject(buf: Buffer, out: Int32Array, nums: Float64Array, r: number): Json {
  const base = HEADER + r * RECORD + 3
  const nb = r * FIELDS
  const value = (f: number): unknown => {
    const tag = out[base + f * 3] as number
    switch (tag) {
      case T_NULL:
        return null
      case T_FALSE:
        return false
      case T_TRUE:
        return true
      case T_NUMBER:
        return nums[nb + f]
      case T_STRING:
        return buf.toString('utf8', out[base + f * 3 + 1], out[base + f * 3 + 2])
      case T_OBJECT:
        return {}
      default:
        return []
    }
  }
  const has = (f: number): boolean => out[base + f * 3] !== T_ABSENT
  const isObject = (f: number): boolean => out[base + f * 3] === T_OBJECT
  const set = (o: Json, name: string, f: number): void => {
    if (has(f)) o[name] = value(f)
  }
  const o: Json = {}
  set(o, 'type', F.type)
  set(o, 'isApiErrorMessage', F.apiErr)
  set(o, 'timestamp', F.ts)
  set(o, 'requestId', F.requestId)
  set(o, 'cwd', F.cwd)
  set(o, 'sessionId', F.sessionId)
  set(o, 'costUSD', F.costUSD)
  if (isObject(F.message)) {
    const m: Json = {}
    set(m, 'model', F.model)
    set(m, 'id', F.id)
    if (isObject(F.usage)) {
      const u: Json = {}
      set(u, 'input_tokens', F.input)
      set(u, 'output_tokens', F.output)
      set(u, 'cache_read_input_tokens', F.cacheRead)
      set(u, 'cache_creation_input_tokens', F.cacheWrite)
      if (isObject(F.cacheCreation)) {
        const c: Json = {}
        set(c, 'ephemeral_1h_input_tokens', F.eph1h)
        u.cache_creation = c
      } else set(u, 'cache_creation', F.cacheCreation)
      m.usage = u
    } else set(m, 'usage', F.usage)
    o.message = m
  } else set(o, 'message', F.message)
  return o
}

/** Tests and the benchmark's A/B: force the JS path (false) or load the addon again (true). */
export function useNativeScan(on: boolean): void {
  loaded = on ? undefined : null
  why = on ? '' : 'switched off'
}
