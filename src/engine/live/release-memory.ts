import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/** A scan that read at least this many files or bytes leaves enough garbage to collect at once. */
export const COLLECT_AFTER_FILES = 1000
export const COLLECT_AFTER_BYTES = 64 * 1024 * 1024

type Gc = () => void
let gc: Gc | null | undefined

/**
 * Runs a full garbage collection, if V8 lets us (true when it ran). A backfill promotes what it
 * held across commits (events, checkpoints, walk lists) into V8's old space, and V8 collects that
 * only when old space reaches a limit it raised during the backfill: an idle engine watching
 * 100,000 small files kept ~3 KB per file of garbage (462 MiB RSS, of which ~20 MiB was live;
 * docs/BENCHMARKS.md, watch-memory). `gc` is taken the way Jest's leak detector takes it: the
 * flag on for one new context, then off again, so no other context or worker sees it.
 */
export function collectGarbage(): boolean {
  if (gc === undefined) {
    gc = typeof globalThis.gc === 'function' ? (globalThis.gc as Gc) : null
    if (!gc) {
      try {
        setFlagsFromString('--expose-gc')
        gc = runInNewContext('gc') as Gc
      } catch {
        gc = null
      } finally {
        setFlagsFromString('--no-expose-gc')
      }
    }
  }
  if (!gc) return false
  // A plain full collection: Node 20's V8 takes options ({ type: 'major' }) as a young-generation one.
  gc()
  return true
}
