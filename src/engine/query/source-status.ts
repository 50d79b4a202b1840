import { existsSync } from 'node:fs'
import { relative, sep } from 'node:path'
import type { DiscoveredLogs, SourceStatus } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import { sourceDescriptor, type LogSourceId } from '../../shared/sources'
import { assertNever } from '../../shared/assert-never'
import type { LogSource } from '../sources/types'
import { fileErrorsOf, type SourceScanError } from '../ingest/scan'
import { isFlatRoot, walkFiles } from '../sources/walk'
import { pushRefusalsOf, type PushRefusals, type PushSource } from '../ingest/refusals'
import type { Store } from '../store/open-store'
import { rollupZones } from '../projections/rollup'
import { otlpServices } from './otlp-services'

/**
 * Counts a source's log files as they lie on disk, not as the store knows them, so the first-run
 * view can say what it found before the history is read. One directory walk per call (a stat-free
 * readdir per folder): cheap next to reading the logs, and only done when asked for.
 */
export function discoverLogs(s: LogSource): DiscoveredLogs {
  const found = s
    .roots()
    .flatMap((root) => walkFiles(root, s.isLogFile, () => {}, isFlatRoot(s, root)).map((path) => relative(root, path).split(sep)))
  switch (s.id) {
    case 'claude-code': {
      // <projects>/<project>/<session>.jsonl; a session's subagents write <session>/subagents/*.jsonl,
      // which belong to that session rather than being sessions of their own.
      const sessions = found.filter((parts) => parts.length >= 2 && !parts.slice(1, -1).includes('subagents'))
      return {
        files: found.length,
        sessions: new Set(sessions.map((p) => p.join('/'))).size,
        projects: new Set(sessions.map((p) => p[0])).size,
      }
    }
    case 'codex':
      // One rollout per session, filed by date: the folders say nothing about projects.
      return { files: found.length, sessions: new Set(found.map((p) => p.join('/'))).size }
    case 'gemini-cli':
      // One chat file per session (subagents write their own).
      return { files: found.length, sessions: found.length }
    case 'opencode':
      // Sessions live inside the database: the store's counts say how many were read.
      return { files: found.length, sessions: 0 }
    case 'antigravity':
      // One database per conversation.
      return { files: found.length, sessions: found.length }
    case 'cline':
      // One ui_messages.json per task; an SDK session's subagents write their own files in its folder.
      // Kilo Code 7's kilo.db holds its sessions inside: the store's counts say how many were read.
      return { files: found.length, sessions: new Set(found.filter((p) => p.length > 1).map((p) => p[0])).size }
    case 'amp':
      // One thread file per session.
      return { files: found.length, sessions: found.length }
    case 'qwen-code':
      // <projects>/<project>/chats/<session>.jsonl
      return { files: found.length, sessions: found.length, projects: new Set(found.map((p) => p[0])).size }
    case 'grok':
      // <sessions>/<url-encoded cwd>/<session>/updates.jsonl
      return { files: found.length, sessions: found.length, projects: new Set(found.map((p) => p[0])).size }
    case 'copilot-cli':
      // session-state/<session>/events.jsonl, and the session store (its sessions are counted once read).
      return { files: found.length, sessions: found.filter((p) => p[p.length - 1] === 'events.jsonl').length }
    case 'kimi-code':
      // <sessions>/<workDirKey>/<session>/agents/<agent>/wire.jsonl: one wire per agent of a session.
      return {
        files: found.length,
        sessions: new Set(found.map((p) => `${p[0]}/${p[1]}`)).size,
        projects: new Set(found.map((p) => p[0])).size,
      }
    case 'droid':
      // One settings file per session; an archived copy is the same session.
      return { files: found.length, sessions: new Set(found.map((p) => p[p.length - 1])).size }
    case 'pi':
    case 'openclaw':
      // One transcript per session (OpenClaw's deleted and reset copies are the same sessions).
      return { files: found.length, sessions: new Set(found.map((p) => (p[p.length - 1] ?? '').replace(/\.jsonl.*$/, ''))).size }
    case 'codebuff':
      // <project>/chats/<chat>/chat-messages.json: one chat per session.
      return { files: found.length, sessions: found.length, projects: new Set(found.map((p) => p[0])).size }
    case 'hermes':
    case 'zcode':
    case 'goose':
    case 'cursor':
      // Sessions live inside the database: the store's counts say how many were read.
      return { files: found.length, sessions: 0 }
    default:
      return assertNever(s.id)
  }
}

interface Counts {
  events: number
  sessions: number
  projects: number
  lastEventTs: number | null
}

/**
 * A source's requests, sessions, projects and last request, without reading the ledger: the
 * session tables (one row per session, and per session and dimensions) and the day rollup of a
 * zone where one exists (a few rows per day), else the quarter-hour aggregates.
 */
function eventCounts(store: Store, source: SourceId): Counts {
  const db = store.db
  const zone = rollupZones(db)[0]
  const events = (
    zone === undefined
      ? db.prepare('SELECT coalesce(sum(requests), 0) FROM usage_buckets WHERE source = ?').pluck().get(source)
      : db.prepare('SELECT coalesce(sum(requests), 0) FROM usage_days WHERE tz = ? AND source = ?').pluck().get(zone, source)
  ) as number
  const sessions = db
    .prepare('SELECT count(*) AS sessions, max(last_ts) AS lastEventTs FROM sessions WHERE source = ?')
    .get(source) as Pick<Counts, 'sessions' | 'lastEventTs'>
  const projects = db.prepare('SELECT count(DISTINCT project) FROM session_spans WHERE source = ?').pluck().get(source) as number
  return { events, ...sessions, projects }
}

/** What each source looks like now: folders watched, files, events, and lines skipped and why. */
export function sourceStatus(
  store: Store,
  sources: LogSource[],
  pushed: { socket?: string; http?: string; otlp?: string; otlpTaken?: number },
  opts: {
    discover?: boolean
    scanErrors?: readonly SourceScanError[]
    disabled?: readonly LogSourceId[]
    pushRefusals?: PushRefusals
  } = {},
): SourceStatus[] {
  const out: SourceStatus[] = sources.map((s) => {
    const roots = s.roots()
    const files = store.db
      .prepare('SELECT count(*) AS n, sum(skipped) AS skipped, max(updated_at) AS lastReadAt FROM source_files WHERE source = ?')
      .get(s.id) as {
      n: number
      skipped: number | null
      lastReadAt: number | null
    }
    const skipReasons: Record<string, number> = {}
    for (const r of store.db.prepare('SELECT skip_reasons FROM source_files WHERE source = ? AND skipped > 0').iterate(s.id) as Iterable<{
      skip_reasons: string
    }>) {
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
      envVars: [...sourceDescriptor(s.id).envVars],
      lastReadAt: files.lastReadAt,
    }
    if (opts.disabled?.includes(s.id)) status.disabled = true
    if (!found) status.hint = s.hint
    if (opts.discover) status.discovered = discoverLogs(s)
    // The last full scan's unreadable files and dangling links (they have no row in source_files).
    if (opts.scanErrors) status.fileErrors = fileErrorsOf(opts.scanErrors, s.id)
    return status
  })
  const push: [PushSource, string | undefined][] = [
    ['socket', pushed.socket],
    ['http', pushed.http],
  ]
  for (const [id, location] of push) {
    if (!location) continue
    // Refused lines and items, kept in the store (they have no file to be counted in).
    const refused = opts.pushRefusals?.of(id) ?? pushRefusalsOf(store, id)
    out.push({
      source: id,
      location,
      found: true,
      files: 0,
      skippedLines: refused.skipped,
      skipReasons: refused.reasons,
      ...eventCounts(store, id),
    })
  }
  // The OpenTelemetry receiver: listed while it listens, or once anything was received.
  const services = otlpServices(store)
  if (pushed.otlp !== undefined || services.length > 0) {
    const skipReasons: Record<string, number> = {}
    for (const s of services) for (const [k, n] of Object.entries(s.skipped)) skipReasons[k] = (skipReasons[k] ?? 0) + (n ?? 0)
    out.push({
      source: 'otlp',
      location: pushed.otlp ?? '',
      found: pushed.otlp !== undefined,
      files: 0,
      skippedLines: Object.values(skipReasons).reduce((a, b) => a + b, 0),
      skipReasons,
      services,
      ...(pushed.otlp !== undefined && pushed.otlpTaken !== undefined ? { portTaken: pushed.otlpTaken } : {}),
      ...eventCounts(store, 'otlp'),
    })
  }
  return out
}
