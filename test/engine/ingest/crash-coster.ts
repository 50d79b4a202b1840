import type { UsageEvent } from '../../../src/shared/usage'

/** A deterministic coster shared by the crash test and its child: one model stays unpriced. */
export function crashCoster(e: UsageEvent): number | null {
  return e.model === 'unpriced-model' ? null : e.input * 3 + e.output * 15 + e.cacheRead + e.cacheWrite * 4
}
