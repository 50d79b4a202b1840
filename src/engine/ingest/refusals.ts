/** Pushed lines and items refused since the engine started, per source and reason, for the sources panel. */

/** Why a pushed line or item was refused (counted per reason in the sources panel). */
export type PushRefusal = 'malformed-json' | 'invalid-utf8' | 'line-too-long' | 'bad-field' | 'too-large'

export type PushSource = 'socket' | 'http'

export class PushRefusals {
  private readonly counts: Record<PushSource, Partial<Record<PushRefusal, number>>> = { socket: {}, http: {} }

  /** Counts one refused line or item. */
  count(source: PushSource, reason: PushRefusal): void {
    const c = this.counts[source]
    c[reason] = (c[reason] ?? 0) + 1
  }

  /** How many were refused from `source`, in all and by reason. */
  of(source: PushSource): { skipped: number; reasons: Record<string, number> } {
    const reasons = { ...this.counts[source] } as Record<string, number>
    return { skipped: Object.values(reasons).reduce((a, b) => a + b, 0), reasons }
  }
}
