/**
 * Decoded OTLP requests into the store: per-request usage events at once, token metrics after a
 * hold (counted only for services that send no per-request events), and what each service sent
 * (otlp_services, shown in the Sources panel). Each request commits in one transaction.
 */
import type { OtlpSkipReason } from '../../shared/contract'
import type { UsageEvent } from '../../shared/usage'
import { applyBatch, type BatchResult, type Coster } from '../ingest/apply-batch'
import type { Store } from '../store/open-store'
import { mapLogRecord, mapSpanRecord, type Mapped } from './map'
import { mapMetricPoints, type HeldEvent } from './metrics'
import type { OtlpSignal } from './proto'
import { logRecords, metricPoints, spanRecords } from './records'

/** How long token-metric usage waits for per-request events of its service (ms). */
export const HOLD_MS = 60_000
/** Per-request events received this long before a metric point still cover it (ms). */
export const COVER_MS = 3_600_000

export interface OtlpIngestOptions {
  store: Store
  cost: Coster
  /** Owner of records that name no user. */
  userId: string
  now?: () => number
  holdMs?: number
  /** Whether an agent's logs are read on this machine (its token metrics would count twice). */
  logSourceActive?: (agentId: string) => boolean
  onCommit?: (r: BatchResult) => void
  /** After each commit, with usage or not (the per-service counts moved): Connect an agent's "received" goes live on it. */
  onReceived?: () => void
}

/** What one request did; `rejected` goes into the reply's partial_success. */
export interface IngestOutcome {
  received: number
  usage: number
  rejected: number
  errorMessage: string
}

interface ServiceDelta {
  received: number
  usage: number
  skipped: Map<OtlpSkipReason, number>
  perRequest: boolean
}

export class OtlpIngest {
  private readonly now: () => number
  constructor(private readonly opts: OtlpIngestOptions) {
    this.now = opts.now ?? Date.now
  }

  /** Stores one decoded request of `signal`. Throws ShapeError for a body that is not one. */
  ingest(signal: OtlpSignal, req: Record<string, unknown>): IngestOutcome {
    if (signal === 'metrics') return this.metrics(req)
    const now = this.now()
    const defaults = { userId: this.opts.userId, now }
    const mapped: Mapped[] =
      signal === 'logs' ? logRecords(req).map((r) => mapLogRecord(r, defaults)) : spanRecords(req).map((s) => mapSpanRecord(s, defaults))
    const services = new Map<string, ServiceDelta>()
    const events: UsageEvent[] = []
    let rejected = 0
    const reasons = new Map<OtlpSkipReason, number>()
    for (const m of mapped) {
      const d = delta(services, m.service)
      d.received++
      if (m.kind === 'usage') {
        d.usage++
        d.perRequest = true
        events.push(m.event)
      } else {
        d.skipped.set(m.reason, (d.skipped.get(m.reason) ?? 0) + 1)
        if (m.rejected) {
          rejected++
          reasons.set(m.reason, (reasons.get(m.reason) ?? 0) + 1)
        }
      }
    }
    const refused = this.commit(events, () => writeStats(this.opts.store, services, now))
    if (refused.size > 0) {
      // Refused at commit by the store's bounds (ingest/bounds.ts): rejected too.
      const service = new Map(mapped.flatMap((m) => (m.kind === 'usage' ? [[m.event.key, m.service] as const] : [])))
      const after = new Map<string, ServiceDelta>()
      for (const key of refused.keys()) {
        const d = delta(after, service.get(key) ?? '')
        d.usage--
        d.skipped.set('too-large', (d.skipped.get('too-large') ?? 0) + 1)
      }
      this.opts.store.db.transaction(() => writeStats(this.opts.store, after, now, false)).immediate()
      rejected += refused.size
      reasons.set('too-large', refused.size)
    }
    return { received: mapped.length, usage: events.length - refused.size, rejected, errorMessage: describe(reasons) }
  }

  private metrics(req: Record<string, unknown>): IngestOutcome {
    const now = this.now()
    const { points } = metricPoints(req)
    const db = this.opts.store.db
    let outcome: IngestOutcome = { received: points.length, usage: 0, rejected: 0, errorMessage: '' }
    db.transaction(() => {
      const m = mapMetricPoints(db, points, { userId: this.opts.userId, now, logSourceActive: this.opts.logSourceActive ?? (() => false) })
      const hold = db.prepare('INSERT INTO otlp_held (key, service, received_at, event) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING')
      for (const h of m.held) hold.run(h.event.key, h.service, now, JSON.stringify(h.event))
      const services = new Map<string, ServiceDelta>()
      for (const [service, st] of m.perService) {
        const d = delta(services, service)
        d.received = st.received
        d.skipped = st.skipped
      }
      for (const h of m.held) delta(services, h.service).usage++
      writeStats(this.opts.store, services, now)
      const reasons = new Map<OtlpSkipReason, number>()
      if (m.rejected > 0) reasons.set('bad-tokens', m.rejected)
      outcome = { received: points.length, usage: m.held.length, rejected: m.rejected, errorMessage: describe(reasons) }
    }).immediate()
    this.flushHeld()
    return outcome
  }

  /**
   * Stores held metric usage whose hold is over: unless its service sent per-request events
   * since COVER_MS before it arrived (then they counted it: `covered-by-events`).
   */
  flushHeld(force = false): void {
    const now = this.now()
    const db = this.opts.store.db
    const due = db
      .prepare('SELECT key, service, received_at AS receivedAt, event FROM otlp_held WHERE received_at <= ?')
      .all(force ? Number.MAX_SAFE_INTEGER : now - (this.opts.holdMs ?? HOLD_MS)) as {
      key: string
      service: string
      receivedAt: number
      event: string
    }[]
    if (due.length === 0) return
    const lastEvent = db.prepare('SELECT last_event_at FROM otlp_services WHERE service = ?').pluck()
    const events: UsageEvent[] = []
    const covered = new Map<string, ServiceDelta>()
    for (const h of due) {
      const last = lastEvent.get(h.service) as number | null | undefined
      if (last !== null && last !== undefined && last >= h.receivedAt - COVER_MS) {
        const d = delta(covered, h.service)
        d.usage--
        d.skipped.set('covered-by-events', (d.skipped.get('covered-by-events') ?? 0) + 1)
      } else events.push(JSON.parse(h.event) as UsageEvent)
    }
    const drop = db.prepare('DELETE FROM otlp_held WHERE key = ?')
    this.commit(events, () => {
      for (const h of due) drop.run(h.key)
      writeStats(this.opts.store, covered, now, false)
    })
  }

  /** Stores events and runs `also` in the same transaction; returns the events a bound refused. */
  private commit(events: UsageEvent[], also: () => void): Map<string, string> {
    if (events.length === 0) {
      this.opts.store.db.transaction(also).immediate()
      this.opts.onReceived?.()
      return new Map()
    }
    const r = applyBatch(this.opts.store, [{ events }], this.opts.cost, this.now(), also)
    this.opts.onCommit?.(r)
    this.opts.onReceived?.()
    return r.refused
  }
}

function delta(m: Map<string, ServiceDelta>, service: string): ServiceDelta {
  let d = m.get(service)
  if (!d) m.set(service, (d = { received: 0, usage: 0, skipped: new Map(), perRequest: false }))
  return d
}

const WHY: Partial<Record<OtlpSkipReason, string>> = {
  'bad-tokens': 'with token counts that are not non-negative integers up to 1e9',
  'bad-time': 'with a time before 2000 or over a day ahead',
  'too-large': 'costing over $1M or taking the stored sums past 2^53',
}

function describe(reasons: Map<OtlpSkipReason, number>): string {
  return [...reasons].map(([r, n]) => `${n} ${WHY[r] ?? r}`).join('; ')
}

/** Adds a request's per-service counts to otlp_services (inside the caller's transaction). */
function writeStats(store: Store, services: Map<string, ServiceDelta>, now: number, seen = true): void {
  const get = store.db.prepare('SELECT skip_reasons FROM otlp_services WHERE service = ?').pluck()
  const put = store.db.prepare(`INSERT INTO otlp_services (service, received, usage, skip_reasons, last_seen_at, last_event_at)
    VALUES (@service, @received, @usage, @reasons, @seen, @event)
    ON CONFLICT DO UPDATE SET received = received + excluded.received, usage = usage + excluded.usage,
      skip_reasons = excluded.skip_reasons, last_seen_at = max(last_seen_at, excluded.last_seen_at),
      last_event_at = coalesce(excluded.last_event_at, last_event_at)`)
  for (const [service, d] of services) {
    const before = get.get(service) as string | undefined
    const reasons = before ? (JSON.parse(before) as Record<string, number>) : {}
    for (const [r, n] of d.skipped) reasons[r] = (reasons[r] ?? 0) + n
    put.run({
      service,
      received: d.received,
      usage: d.usage,
      reasons: JSON.stringify(reasons),
      seen: seen ? now : 0,
      event: d.perRequest ? now : null,
    })
  }
}

export type { HeldEvent }
