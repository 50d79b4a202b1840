import type { SourceId, UsageEvent } from '../../shared/usage'
import { mergeRecords } from './merge'

/** An increment's sightings merged per key, as a parse worker sends them. */
export interface Premerged {
  events: UsageEvent[]
  /** Sightings merged into an earlier one of the same key (counted as duplicates). */
  merged: number
  /** The latest instant among all the sightings (what the file's last_event_ts takes), null if none. */
  lastEventTs: number | null
}

/**
 * Merges an increment's sightings per key in reading order, as the commit would (mergeRecords):
 * Claude Code writes one response as several streamed lines, so this halves what crosses to the
 * writer. The writer merges across files and with the store as always; the merge rule is the
 * same whichever groups it is applied to first.
 */
export function premerge(events: readonly UsageEvent[]): Premerged {
  const byKey = new Map<string, UsageEvent>()
  let merged = 0
  let lastEventTs: number | null = null
  for (const e of events) {
    if (lastEventTs === null || e.ts > lastEventTs) lastEventTs = e.ts
    const prev = byKey.get(e.key)
    if (!prev) {
      byKey.set(e.key, e)
      continue
    }
    merged++
    const m = mergeRecords(prev, e)
    if (m) byKey.set(e.key, m)
  }
  return { events: [...byKey.values()], merged, lastEventTs }
}

/**
 * Usage events as a parse worker hands them to the writer: columns of numbers in one typed
 * array and the strings once each (a file's model, project, session and user repeat on every
 * line), instead of one cloned object per event. Exact: every field comes back as it went.
 */
export interface PackedEvents {
  count: number
  /** Distinct strings; `refs` points into it. */
  strings: string[]
  /** Per event: key, source, user, agent, project, session, model (indices into `strings`). */
  refs: Uint32Array
  /** Per event: ts, input, output, cacheRead, cacheWrite, cacheWrite1h, reportedCostUsd (0 when absent). */
  numbers: Float64Array
  /** Per event: 1 when reportedCostUsd is set. */
  reported: Uint8Array
}

const REFS = 7
const NUMBERS = 7

export function packEvents(events: readonly UsageEvent[]): PackedEvents {
  const n = events.length
  const strings: string[] = []
  const index = new Map<string, number>()
  const ref = (s: string): number => {
    let i = index.get(s)
    if (i === undefined) {
      i = strings.length
      strings.push(s)
      index.set(s, i)
    }
    return i
  }
  const refs = new Uint32Array(n * REFS)
  const numbers = new Float64Array(n * NUMBERS)
  const reported = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const e = events[i] as UsageEvent
    const r = i * REFS
    // Keys are unique but for streamed repeats: stored inline in the table like the rest.
    refs[r] = ref(e.key)
    refs[r + 1] = ref(e.source)
    refs[r + 2] = ref(e.userId)
    refs[r + 3] = ref(e.agentId)
    refs[r + 4] = ref(e.project)
    refs[r + 5] = ref(e.sessionId)
    refs[r + 6] = ref(e.model)
    const k = i * NUMBERS
    numbers[k] = e.ts
    numbers[k + 1] = e.input
    numbers[k + 2] = e.output
    numbers[k + 3] = e.cacheRead
    numbers[k + 4] = e.cacheWrite
    numbers[k + 5] = e.cacheWrite1h
    if (e.reportedCostUsd !== undefined) {
      numbers[k + 6] = e.reportedCostUsd
      reported[i] = 1
    }
  }
  return { count: n, strings, refs, numbers, reported }
}

/** The typed arrays' buffers, to transfer rather than copy. */
export function packedTransfer(p: PackedEvents): ArrayBuffer[] {
  return [p.refs.buffer as ArrayBuffer, p.numbers.buffer as ArrayBuffer, p.reported.buffer as ArrayBuffer]
}

export function unpackEvents(p: PackedEvents): UsageEvent[] {
  const { strings: s, refs, numbers, reported } = p
  const out: UsageEvent[] = new Array<UsageEvent>(p.count)
  for (let i = 0; i < p.count; i++) {
    const r = i * REFS
    const k = i * NUMBERS
    const e: UsageEvent = {
      key: s[refs[r] as number] as string,
      ts: numbers[k] as number,
      source: s[refs[r + 1] as number] as SourceId,
      userId: s[refs[r + 2] as number] as string,
      agentId: s[refs[r + 3] as number] as string,
      project: s[refs[r + 4] as number] as string,
      sessionId: s[refs[r + 5] as number] as string,
      model: s[refs[r + 6] as number] as string,
      input: numbers[k + 1] as number,
      output: numbers[k + 2] as number,
      cacheRead: numbers[k + 3] as number,
      cacheWrite: numbers[k + 4] as number,
      cacheWrite1h: numbers[k + 5] as number,
    }
    if (reported[i] === 1) e.reportedCostUsd = numbers[k + 6] as number
    out[i] = e
  }
  return out
}
