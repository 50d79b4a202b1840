import type { UsageEvent } from '../../shared/usage'
import type { Store } from '../store/open-store'
import { PushRefusals, type PushSource } from './refusals'
import { applyBatch, type BatchResult, type Coster, type FileBatch } from './apply-batch'

/** Group commit for pushed events: many submitters, one transaction (one fsync) per turn. */
export interface EventWriter {
  /**
   * Records events durably: the promise resolves once their transaction has committed, so a
   * sender's acknowledgement means the events survive a crash. Duplicate keys count once. It
   * resolves with the events a bound refused (key -> why; not stored, counted in `refusals`).
   */
  submit(events: UsageEvent[]): Promise<Map<string, string>>
  /** Pushed lines and items refused, kept in the store (decoding counts its own here too). */
  readonly refusals: PushRefusals
  /** Commits whatever is queued now, and writes the refusals counted so far. */
  flush(): Promise<void>
  /** Events waiting for the next commit. */
  readonly queued: number
}

export interface WriterOptions {
  /** Called after each commit with the batch's result (hours changed, counts). */
  onCommit?: (r: BatchResult) => void
  /** Commit at once when this many events are waiting. */
  maxBatch?: number
}

/** Creates the writer that socket and HTTP ingestion share. */
export function createEventWriter(store: Store, cost: Coster, opts: WriterOptions = {}): EventWriter {
  const maxBatch = opts.maxBatch ?? 5000
  const refusals = new PushRefusals(store)
  let queue: { events: UsageEvent[]; resolve: (refused: Map<string, string>) => void; reject: (e: Error) => void }[] = []
  let queued = 0
  let scheduled = false

  const commit = (): void => {
    scheduled = false
    const work = queue
    queue = []
    queued = 0
    if (work.length === 0) return
    const batches: FileBatch[] = work.map((w) => ({ events: w.events }))
    try {
      const r = applyBatch(store, batches, cost)
      for (const w of work) {
        const mine = new Map<string, string>()
        for (const e of w.events) {
          const why = r.refused.get(e.key)
          if (why === undefined || mine.has(e.key)) continue
          mine.set(e.key, why)
          refusals.count(e.source as PushSource, 'too-large')
        }
        w.resolve(mine)
      }
      opts.onCommit?.(r)
    } catch (err) {
      for (const w of work) w.reject(err as Error)
    }
  }

  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    setImmediate(commit)
  }

  return {
    submit(events) {
      return new Promise<Map<string, string>>((resolve, reject) => {
        queue.push({ events, resolve, reject })
        queued += events.length
        if (queued >= maxBatch) commit()
        else schedule()
      })
    },
    flush() {
      commit()
      refusals.flush()
      return Promise.resolve()
    },
    get queued() {
      return queued
    },
    refusals,
  }
}
