import { createHash } from 'node:crypto'
import { basename } from 'node:path'
import type { TeamProjects } from '../../shared/contract'
import { assertNever } from '../../shared/assert-never'
import { currentChangeSeq } from '../store/changes'
import type { Store } from '../store/open-store'
import { addSums, type StoredSums } from '../store/sums'

/** One aggregate row as it leaves the machine: its key, absolute sums and change sequence. */
export interface TeamRow extends StoredSums {
  bucketStart: number
  source: string
  userId: string
  agentId: string
  project: string
  model: string
  unpricedRequests: number
  changeSeq: number
}

/** How a project leaves the machine: the path as-is, its last folder name, or a hash of the path. */
export function projectAs(mode: TeamProjects, project: string): string {
  switch (mode) {
    case 'as-is':
      return project
    case 'basename':
      return basename(project.replace(/[\\/]+$/, '')) || project
    case 'hashed':
      return `sha256:${createHash('sha256').update(project).digest('hex').slice(0, 16)}`
    default:
      return assertNever(mode)
  }
}

/** What changed since a sink acknowledged `since`: team rows with their absolute sums, and the sequence they bring the sink to. */
export interface Outgoing {
  rows: TeamRow[]
  /** The newest change sequence these rows reflect: the sink acknowledges this once it holds them. */
  upTo: number
}

const SUMS = `sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite,
  sum(requests) AS requests, sum(cost_nusd) AS costNanoUsd, sum(unpriced_tokens) AS unpricedTokens,
  sum(unpriced_requests) AS unpricedRequests, max(change_seq) AS changeSeq`

type Raw = Omit<TeamRow, 'changeSeq'> & { changeSeq: number }

/**
 * The team rows touched by local changes after `since`, as absolute values. A removed local row
 * (a tombstone) leaves as zeros. Where the project mode maps several local projects to one name
 * (two checkouts called `app`), the row sent is the sum of all of them, so absolute values still
 * add up. Read in one read transaction: the rows and `upTo` are one consistent state.
 */
export function outgoingSince(store: Store, since: number, mode: TeamProjects): Outgoing {
  const db = store.db
  return db.transaction((): Outgoing => {
    const upTo = currentChangeSeq(store)
    // Changed keys: live rows newer than the ack, and tombstones of rows no longer there.
    const changed = db
      .prepare(
        `SELECT bucket_start AS bucketStart, source, user_id AS userId, agent_id AS agentId, project, model, change_seq AS changeSeq
        FROM usage_buckets WHERE change_seq > ?
      UNION ALL
      SELECT d.bucket_start, d.source, d.user_id, d.agent_id, d.project, d.model, d.change_seq FROM bucket_drops d
        WHERE d.change_seq > ? AND NOT EXISTS (SELECT 1 FROM usage_buckets b WHERE b.bucket_start = d.bucket_start
          AND b.source = d.source AND b.user_id = d.user_id AND b.agent_id = d.agent_id AND b.project = d.project AND b.model = d.model)`,
      )
      .all(since, since) as {
      bucketStart: number
      source: string
      userId: string
      agentId: string
      project: string
      model: string
      changeSeq: number
    }[]
    const out = new Map<string, TeamRow>()
    const keyOf = (r: { bucketStart: number; source: string; userId: string; agentId: string; model: string }, project: string) =>
      `${r.bucketStart}\u0000${r.source}\u0000${r.userId}\u0000${r.agentId}\u0000${project}\u0000${r.model}`
    // Every changed key's team row starts at zero (a tombstone stays zero)...
    for (const c of changed) {
      const k = keyOf(c, projectAs(mode, c.project))
      const row = out.get(k)
      if (row) row.changeSeq = Math.max(row.changeSeq, c.changeSeq)
      else {
        out.set(k, {
          bucketStart: c.bucketStart,
          source: c.source,
          userId: c.userId,
          agentId: c.agentId,
          project: projectAs(mode, c.project),
          model: c.model,
          input: 0,
          output: 0,
          cacheRead: 0,
          cacheWrite: 0,
          requests: 0,
          costNanoUsd: 0,
          unpricedTokens: 0,
          unpricedRequests: 0,
          changeSeq: c.changeSeq,
        })
      }
    }
    if (out.size === 0) return { rows: [], upTo }
    // ...then gets the sums of every live local row that maps to it. As-is: the changed rows
    // themselves. Otherwise every project of the same quarter-hour and names, as the mode maps it.
    const add = (r: Raw, project: string) => {
      const row = out.get(keyOf(r, project))
      if (!row) return
      addSums(row, r)
      row.unpricedRequests += r.unpricedRequests
    }
    const many = changed.length > 2000
    if (mode === 'as-is' || many) {
      const where = mode === 'as-is' && !many ? 'WHERE change_seq > ?' : ''
      const stmt = db.prepare(`SELECT bucket_start AS bucketStart, source, user_id AS userId, agent_id AS agentId, project, model, ${SUMS}
        FROM usage_buckets ${where} GROUP BY bucket_start, source, user_id, agent_id, project, model`)
      for (const r of (where ? stmt.iterate(since) : stmt.iterate()) as Iterable<Raw>) add(r, projectAs(mode, r.project))
    } else {
      const stmt = db.prepare(`SELECT bucket_start AS bucketStart, source, user_id AS userId, agent_id AS agentId, project, model, ${SUMS}
        FROM usage_buckets WHERE bucket_start = ? AND source = ? AND user_id = ? AND agent_id = ? AND model = ?
        GROUP BY project`)
      const asked = new Set<string>()
      for (const c of changed) {
        const k = `${c.bucketStart}\u0000${c.source}\u0000${c.userId}\u0000${c.agentId}\u0000${c.model}`
        if (asked.has(k)) continue
        asked.add(k)
        for (const r of stmt.iterate(c.bucketStart, c.source, c.userId, c.agentId, c.model) as Iterable<Raw>)
          add(r, projectAs(mode, r.project))
      }
    }
    return { rows: [...out.values()], upTo }
  })()
}
