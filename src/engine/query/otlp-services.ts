/** What each OpenTelemetry service sent (the otlp_services table the OTLP receiver keeps), for the Sources panel. */
import type { OtlpServiceStatus } from '../../shared/contract'
import type { Store } from '../store/open-store'

/** Every service that sent something, the most recent first. */
export function otlpServices(store: Store): OtlpServiceStatus[] {
  const rows = store.db
    .prepare('SELECT service, received, usage, skip_reasons, last_seen_at FROM otlp_services ORDER BY last_seen_at DESC, service')
    .all() as {
    service: string
    received: number
    usage: number
    skip_reasons: string
    last_seen_at: number
  }[]
  return rows.map((r) => ({
    service: r.service,
    received: r.received,
    usage: r.usage,
    skipped: JSON.parse(r.skip_reasons) as OtlpServiceStatus['skipped'],
    lastSeenAt: r.last_seen_at,
  }))
}
