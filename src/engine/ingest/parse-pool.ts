/**
 * Parse workers for a backfill: files are handed to `worker_threads` that read and parse them
 * (read-increment.ts, unchanged), while the main thread owns the one writer and commits what they
 * send back, file by file in the scan's order. Reading and parsing thus run beside the SQL on a
 * second core. A worker that fails (or cannot start) costs nothing but speed: the scan reads the
 * rest of its files itself, from the last increment it committed.
 */
import { existsSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import type { FileContext, Supersede } from '../sources/types'
import type { FileCheckpoint } from './apply-batch'
import { unpackEvents, type PackedEvents } from './packed-events'
import type { Increment, ReadStages, StoredFile } from './read-increment'

/** One file for a worker to read on from `stored` to its end, increment by increment. */
export interface ReadJob {
  id: number
  path: string
  stored: StoredFile | undefined
  /** The reader's index in worker-readers.ts. */
  reader: number
  ctx: FileContext
  maxBytes?: number
}

export type WorkerReply =
  | {
      id: number
      kind: 'increment'
      checkpoint: FileCheckpoint
      events: PackedEvents
      done: boolean
      bytesRead: number
      stages?: ReadStages
      premerged: number
      lastEventTs: number | null
      supersede?: Supersede[]
    }
  | { id: number; kind: 'end' }
  | { id: number; kind: 'error'; message: string; code?: string }

/** The worker stopped (crashed, was killed, could not load): the file is read on the main thread. */
export class WorkerFailedError extends Error {}

/** A file's increments as a worker sends them, in order; then null at its end. */
export class FileStream {
  private readonly items: (Increment | Error | null)[] = []
  private wake: (() => void) | null = null

  push(item: Increment | Error | null): void {
    this.items.push(item)
    const w = this.wake
    this.wake = null
    w?.()
  }

  /** The next increment, or null at the file's end; throws the read's error. */
  async next(): Promise<Increment | null> {
    while (this.items.length === 0) await new Promise<void>((r) => (this.wake = r))
    const item = this.items.shift() as Increment | Error | null
    if (item instanceof Error) throw item
    return item
  }
}

interface Slot {
  worker: Worker
  /** Bytes still to read in the files queued on it. */
  load: number
  jobs: Map<number, { stream: FileStream; bytes: number }>
  failed: boolean
}

/** The parse-worker bundle next to this one (out/cli, out/main), or null (e.g. running from sources). */
export function defaultWorkerScript(): string | null {
  const path = join(__dirname, 'parse-worker.js')
  return existsSync(path) ? path : null
}

/**
 * Workers for a backfill: one core fewer than the machine has (the writer keeps one), at most
 * three; none on one core. On two cores that is one worker beside the writer: a second one ran
 * three threads on two cores for 0.08 CPU-s and 19 MiB more on the 256 MiB tree
 * (docs/BENCHMARKS.md).
 */
export function defaultWorkerCount(): number {
  return Math.max(0, Math.min(3, availableParallelism() - 1))
}

/**
 * A worker's young generation is capped: what it allocates (one parsed line at a time) dies young,
 * and a smaller nursery keeps the backfill's peak RSS down (7 MiB less at 256 MiB; no CPU cost
 * measured), against the 150 MiB target at 1 GiB of logs.
 */
const WORKER_OPTIONS = { resourceLimits: { maxYoungGenerationSizeMb: 4 } }

export class ParsePool {
  private readonly slots: Slot[] = []
  private nextId = 1

  constructor(script: string, count: number) {
    for (let i = 0; i < count; i++) {
      const slot: Slot = { worker: new Worker(script, WORKER_OPTIONS), load: 0, jobs: new Map(), failed: false }
      slot.worker.on('message', (r: WorkerReply) => this.reply(slot, r))
      slot.worker.on('error', (err) => this.fail(slot, err))
      slot.worker.on('exit', (code) => this.fail(slot, new Error(`parse worker exited with code ${code}`)))
      this.slots.push(slot)
    }
  }

  /** How many workers it started. */
  get size(): number {
    return this.slots.length
  }

  /** Queues a file on the least loaded worker; `bytes` is about how much it has to read. */
  read(job: Omit<ReadJob, 'id'>, bytes: number): FileStream {
    const stream = new FileStream()
    const live = this.slots.filter((s) => !s.failed)
    const slot = live.reduce<Slot | undefined>((best, s) => (!best || s.load < best.load ? s : best), undefined)
    if (!slot) {
      stream.push(new WorkerFailedError('no parse worker is running'))
      return stream
    }
    const id = this.nextId++
    slot.jobs.set(id, { stream, bytes })
    slot.load += bytes
    slot.worker.postMessage({ ...job, id } satisfies ReadJob)
    return stream
  }

  private reply(slot: Slot, r: WorkerReply): void {
    const job = slot.jobs.get(r.id)
    if (!job) return
    const end = (): void => {
      slot.jobs.delete(r.id)
      slot.load -= job.bytes
    }
    switch (r.kind) {
      case 'increment':
        job.stream.push({
          checkpoint: r.checkpoint,
          events: unpackEvents(r.events),
          done: r.done,
          bytesRead: r.bytesRead,
          premerged: r.premerged,
          lastEventTs: r.lastEventTs,
          ...(r.stages ? { stages: r.stages } : {}),
          ...(r.supersede ? { supersede: r.supersede } : {}),
        })
        if (r.done) {
          job.stream.push(null)
          end()
        }
        return
      case 'end':
        job.stream.push(null)
        end()
        return
      case 'error': {
        const err: NodeJS.ErrnoException = new Error(r.message)
        if (r.code) err.code = r.code
        job.stream.push(err)
        end()
        return
      }
    }
  }

  private fail(slot: Slot, err: Error): void {
    if (slot.failed) return
    slot.failed = true
    for (const { stream } of slot.jobs.values()) stream.push(new WorkerFailedError(err.message))
    slot.jobs.clear()
    slot.load = 0
  }

  /** Stops every worker (what they were still reading is dropped: nothing of it was committed). */
  async close(): Promise<void> {
    const slots = this.slots.splice(0)
    for (const s of slots) s.failed = true
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}
