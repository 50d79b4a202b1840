import { existsSync } from 'node:fs'
import type { SourceStatus } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { LogSource } from '../sources/types'
import { fileErrorsOf, type SourceScanError } from '../ingest/scan'
import type { Store } from '../store/open-store'

interface Counts {
  events: number
  sessions: number
  projects: number
  lastEventTs: number | null
}

function eventCounts(store: Store, source: SourceId): Counts {
  return store.db.prepare(`SELECT count(*) AS events, count(DISTINCT session_id) AS sessions,
      count(DISTINCT project) AS projects, max(ts) AS lastEventTs FROM usage_events WHERE source = ?`).get(source) as Counts
}

/** What each source looks like now: folders watched, files, events, and lines skipped and why. */
export function sourceStatus(
  store: Store,
  sources: LogSource[],
  pushed: { socket?: string; http?: string },
  opts: { scanErrors?: readonly SourceScanError[] } = {},
): SourceStatus[] {
  const out: SourceStatus[] = sources.map((s) => {
    const roots = s.roots()
    const files = store.db.prepare('SELECT count(*) AS n, sum(skipped) AS skipped FROM source_files WHERE source = ?').get(s.id) as {
      n: number
      skipped: number | null
    }
    const skipReasons: Record<string, number> = {}
    for (const r of store.db.prepare('SELECT skip_reasons FROM source_files WHERE source = ? AND skipped > 0').iterate(s.id) as Iterable<{ skip_reasons: string }>) {
      for (const [k, n] of Object.entries(JSON.parse(r.skip_reasons) as Record<string, number>)) skipReasons[k] = (skipReasons[k] ?? 0) + n
    }
    const found = roots.some((r) => existsSync(r))
    const status: SourceStatus = {
      source: s.id,
      location: roots.join(', '),
      found,
      files: files.n,
      skippedLines: files.skipped ?? 0,
      skipReasons,
      ...eventCounts(store, s.id),
    }
    if (!found) status.hint = s.hint
    // The last full scan's unreadable files and dangling links (they have no row in source_files).
    if (opts.scanErrors) status.fileErrors = fileErrorsOf(opts.scanErrors, s.id)
    return status
  })
  const push: [SourceId, string | undefined][] = [['socket', pushed.socket], ['http', pushed.http]]
  for (const [id, location] of push) {
    if (!location) continue
    out.push({ source: id, location, found: true, files: 0, skippedLines: 0, skipReasons: {}, ...eventCounts(store, id) })
  }
  return out
}
