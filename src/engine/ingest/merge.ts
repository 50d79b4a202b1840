import type { UsageEvent } from '../../shared/usage'
import type { LedgerEvent } from '../store/ledger'

function tokenSum(e: UsageEvent): number {
  return e.input + e.output + e.cacheRead + e.cacheWrite
}

/**
 * Whether `a` carries more than `b` for the same key. Claude Code streams one message as several
 * lines whose output_tokens grows, so the largest output wins; ties go to the larger total.
 */
export function carriesMore(a: UsageEvent, b: UsageEvent): boolean {
  return a.output > b.output || (a.output === b.output && tokenSum(a) > tokenSum(b))
}

/**
 * Merges a re-seen key into the kept record: tokens (and cost) from whichever carries more; the
 * instant and dimensions from the earlier sighting (a message keeps the time of its first line; a
 * forked Codex session's replay belongs to the parent that first recorded it). Returns null when
 * nothing changes, so a duplicate costs no write. Also merges sightings before they are costed (a
 * parse worker merges a file's streamed lines): the cost follows the tokens, so costing the merged
 * sighting gives the cost the ledger record would have carried.
 */
export function mergeRecords<T extends UsageEvent | LedgerEvent>(kept: T, seen: T): T | null {
  // A request read from its agent's own log and also received over OTLP (ingest/twins.ts): the
  // log's sighting is the richer one (project, 1-hour cache writes), so it keeps its names, its
  // instant and, on equal tokens, its tokens. Same-source sightings merge as before.
  const logWins = (seen.source === 'otlp') !== (kept.source === 'otlp') ? (seen.source === 'otlp' ? kept : seen) : undefined
  const tokens = carriesMore(seen, kept) ? seen : carriesMore(kept, seen) ? kept : (logWins ?? kept)
  const first = logWins ?? (seen.ts < kept.ts ? seen : kept)
  if (tokens === kept && first === kept) return null
  const merged: UsageEvent = {
    key: kept.key,
    ts: first.ts,
    source: first.source,
    userId: first.userId,
    agentId: first.agentId,
    project: first.project,
    sessionId: first.sessionId,
    // The model stays with the tokens it priced.
    model: tokens.model,
    input: tokens.input,
    output: tokens.output,
    cacheRead: tokens.cacheRead,
    cacheWrite: tokens.cacheWrite,
    cacheWrite1h: tokens.cacheWrite1h,
  }
  if ('costNanoUsd' in tokens) (merged as LedgerEvent).costNanoUsd = tokens.costNanoUsd
  if (tokens.reportedCostUsd !== undefined) merged.reportedCostUsd = tokens.reportedCostUsd
  return merged as T
}
