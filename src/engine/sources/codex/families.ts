import { closeSync, openSync, readSync } from 'node:fs'
import { asObject, asString, parseJsonObject } from '../parse-helpers'

const FIRST_LINE_MAX = 1024 * 1024

/** The `session_meta` of a rollout's first line: its id and the session it was forked from. */
export function readSessionMeta(path: string): { id: string; forkedFrom: string | undefined } | undefined {
  let fd: number | undefined
  try {
    fd = openSync(path, 'r')
    const buf = Buffer.allocUnsafe(FIRST_LINE_MAX)
    const n = readSync(fd, buf, 0, FIRST_LINE_MAX, 0)
    const nl = buf.subarray(0, n).indexOf(10)
    const o = parseJsonObject(buf.toString('utf8', 0, nl === -1 ? n : nl))
    const payload = asObject(o?.payload)
    const id = asString(payload?.id)
    if (o?.type !== 'session_meta' || !id) return undefined
    return { id, forkedFrom: asString(payload?.forked_from_id) }
  } catch {
    return undefined
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/**
 * Resolves a Codex session to the root of its fork chain. A fork of a fork names only its direct
 * parent, yet replays the root's turns too: keying every fork's turns by the chain's root makes
 * all those replays meet the keys the root recorded. Parents come from the saved parser states of
 * files already read (their family is already resolved) and from the first line of new files.
 */
export function codexFamilyResolver(newFiles: string[], savedStates: Iterable<string>): (sessionId: string) => string {
  const parent = new Map<string, string>()
  for (const json of savedStates) {
    const s = parseJsonObject(json)
    const id = asString(s?.sessionId)
    const family = asString(s?.family)
    if (id && family && family !== id) parent.set(id, family)
  }
  for (const f of newFiles) {
    const meta = readSessionMeta(f)
    if (meta?.forkedFrom) parent.set(meta.id, meta.forkedFrom)
  }
  return (sessionId) => {
    let cur = sessionId
    const seen = new Set<string>()
    for (let next = parent.get(cur); next !== undefined && !seen.has(next); next = parent.get(cur)) {
      seen.add(cur)
      cur = next
    }
    return cur
  }
}
