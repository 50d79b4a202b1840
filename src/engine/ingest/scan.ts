import { lstatSync, statSync } from 'node:fs'
import type { FileErrorCounts, ScanFileError } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type Database from 'better-sqlite3'
import type { Store } from '../store/open-store'
import type { FileContext, LogSource } from '../sources/types'
import { isFlatRoot, walkFiles } from '../sources/walk'
import { applyBatch, type BatchResult, type Coster, type FileBatch } from './apply-batch'
import type { Increment, StoredFile } from './read-increment'
import { readSourceFile } from './read-source'
import { defaultWorkerCount, defaultWorkerScript, ParsePool, WorkerFailedError, type FileStream } from './parse-pool'
import { workerReaderIndex } from './worker-readers'
import { BulkLoad } from './bulk-load'

export interface ScanProgress {
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
}

/** What one pass over the logs did. */
export interface ScanSummary {
  files: number
  filesRead: number
  bytes: number
  lines: number
  events: number
  inserted: number
  updated: number
  duplicates: number
  skipped: number
  skipReasons: Record<string, number>
  /** Files or folders that could not be read, with the error and the source they belong to. */
  errors: SourceScanError[]
  hours: Set<number>
  stages: ScanStages
  /** Stored reading positions the scan looked up (one or two per file it was given: never the whole table). */
  storedLookups: number
}

/**
 * Where a scan's time went, in milliseconds per stage: reading bytes, finding the candidate lines
 * (line split and needle search), parsing them (read on the workers' threads when there are any,
 * so these add up across threads), merging and looking up keys, writing rows, committing; and how
 * long the writer waited for the workers.
 */
export interface ScanStages {
  readMs: number
  searchMs: number
  extractMs: number
  dedupMs: number
  sqlMs: number
  commitMs: number
  waitMs: number
  workers: number
  /** 1 when the scan ran in bulk mode (an empty ledger, or one far behind: bulk-load.ts), else 0. */
  bulk: number
  /** Files the workers read (the rest were read on the writer's thread). */
  workerFiles: number
}

/** A file or folder of a source that a scan could not read. */
export interface SourceScanError extends ScanFileError {
  source: SourceId
}

/**
 * What a failed read or listing means: a symlink whose target is gone (or loops) is a dangling
 * link; a path that no longer exists at all was deleted under us (history stays, nothing to
 * report); anything else (permissions, I/O, a link to a folder) is unreadable.
 */
export function classifyReadError(path: string, err: NodeJS.ErrnoException): ScanFileError['kind'] | 'vanished' {
  if (err.code !== 'ENOENT' && err.code !== 'ELOOP') return 'unreadable'
  try {
    return lstatSync(path).isSymbolicLink() ? 'dangling-link' : 'unreadable'
  } catch {
    return 'vanished'
  }
}

/** How many of a source's unreadable paths the sources panel names. */
const FIRST_ERRORS = 5

/** A source's scan errors, counted by kind, for its status. */
export function fileErrorsOf(errors: readonly SourceScanError[], source: SourceId): FileErrorCounts {
  const mine = errors.filter((e) => e.source === source)
  return {
    unreadable: mine.filter((e) => e.kind === 'unreadable').length,
    danglingLinks: mine.filter((e) => e.kind === 'dangling-link').length,
    first: mine.slice(0, FIRST_ERRORS).map(({ path, error, kind }) => ({ path, error, kind })),
  }
}

export interface ScanOptions {
  userId: string
  onProgress?: (p: ScanProgress) => void
  /** Called after every commit, e.g. to announce the hours that changed. */
  onCommit?: (r: BatchResult) => void
  /** Commit after about this many bytes read (default 32 MiB). */
  commitBytes?: number
  /** Commit after this many files read (default COMMIT_FILES). */
  commitFiles?: number
  /**
   * Ends the scan at its next commit (what is read by then is committed; the rest waits for the
   * next scan, from the saved offsets): how a stopping engine leaves a long backfill.
   */
  signal?: AbortSignal
  /** Only these files (e.g. the ones a watcher saw change); default: walk every root. */
  files?: { source: LogSource; root: string; path: string }[]
  /**
   * Parse workers for a large read (default: one per core but the writer's, at most three; 0: read on this thread).
   * Only pure parsers run there (worker-readers.ts); the rest is read here as always.
   */
  workers?: number
  /** The parse-worker bundle (default: parse-worker.js beside this bundle; none found: no workers). */
  workerScript?: string
  /** Workers start only for a read of at least this many bytes (default WORKER_MIN_BYTES). */
  workerMinBytes?: number
  /** Bulk mode when the ledger is empty or far behind (bulk-load.ts: keys looked up in memory); default on, false: the normal path throughout, 'always': bulk mode whatever the ledger holds (tests). */
  bulk?: boolean | 'always'
}

/** A scan that reads less than this stays on one thread: starting workers would cost more. */
export const WORKER_MIN_BYTES = 16 * 1024 * 1024
/** How far (bytes to read) the workers may run ahead of the writer. */
const READ_AHEAD_BYTES = 96 * 1024 * 1024

/** The stored reading position of every known file, keyed by path (tests and tools; a scan looks files up one by one). */
export function loadStoredFiles(store: Store): Map<string, StoredFile> {
  const rows = store.db
    .prepare('SELECT path, offset, size, mtime_ms AS mtimeMs, ino, fingerprint, state FROM source_files')
    .all() as (StoredFile & { path: string })[]
  return new Map(rows.map((r) => [r.path, r]))
}

/**
 * The stored reading positions a scan needs, looked up by path as it reaches each file: nothing
 * about the other files is read or held, so a watched change to one file costs that file's row,
 * not the whole table (100,000 rows took most of an append's 2.4 s; docs/RELIABILITY.md, #10).
 * `looked` counts the rows asked for (the per-file test holds it).
 */
export class StoredLookup {
  looked = 0
  private readonly one: Database.Statement
  private readonly offsetOf: Database.Statement
  constructor(private readonly store: Store) {
    this.one = store.db.prepare('SELECT offset, size, mtime_ms AS mtimeMs, ino, fingerprint, state FROM source_files WHERE path = ?')
    this.offsetOf = store.db.prepare('SELECT offset FROM source_files WHERE path = ?').pluck()
  }
  get(path: string): StoredFile | undefined {
    this.looked++
    return this.one.get(path) as StoredFile | undefined
  }
  /** The stored offset of `path`, or undefined for a file never read. */
  offset(path: string): number | undefined {
    this.looked++
    return this.offsetOf.get(path) as number | undefined
  }
  /** Every saved state (what a source's contextFor reads: Codex forks, Droid, Cursor CSV days). */
  states(): string[] {
    return this.store.db.prepare('SELECT state FROM source_files').pluck().all() as string[]
  }
}

/** Commit after about this many files too (besides the bytes): a backfill of many small files holds one file's batch each until its commit. */
export const COMMIT_FILES = 2000

/** Parse workers for a read this large, if any can run. */
function startPool(opts: ScanOptions, bytesToRead: number): ParsePool | null {
  const count = opts.workers ?? defaultWorkerCount()
  if (count <= 0 || bytesToRead < (opts.workerMinBytes ?? WORKER_MIN_BYTES)) return null
  const script = opts.workerScript ?? defaultWorkerScript()
  if (!script) return null
  try {
    return new ParsePool(script, count)
  } catch {
    return null
  }
}

/** Lists every log file of every source, with the root it was found under. */
export function discoverFiles(
  sources: LogSource[],
  onError: (path: string, err: Error, source: LogSource) => void,
): NonNullable<ScanOptions['files']> {
  return sources.flatMap((source) =>
    source.roots().flatMap((root) =>
      walkFiles(root, source.isLogFile, (path, err) => onError(path, err, source), isFlatRoot(source, root)).map((path) => ({
        source,
        root,
        path,
      })),
    ),
  )
}

export function emptySummary(): ScanSummary {
  return {
    files: 0,
    filesRead: 0,
    bytes: 0,
    lines: 0,
    events: 0,
    inserted: 0,
    updated: 0,
    duplicates: 0,
    skipped: 0,
    skipReasons: {},
    errors: [],
    hours: new Set(),
    storedLookups: 0,
    stages: { readMs: 0, searchMs: 0, extractMs: 0, dedupMs: 0, sqlMs: 0, commitMs: 0, waitMs: 0, workers: 0, bulk: 0, workerFiles: 0 },
  }
}

/**
 * Ingests what is new in every log file: unchanged files are skipped on size, mtime and inode
 * alone; changed ones are read on from their saved offset. Events, aggregates and offsets
 * commit together in batches, so a crash resumes cleanly and never counts anything twice.
 */
export async function scanLogs(store: Store, sources: LogSource[], cost: Coster, opts: ScanOptions): Promise<ScanSummary> {
  const summary = emptySummary()
  const onError = (path: string, err: Error, source: LogSource): void => {
    const kind = classifyReadError(path, err as NodeJS.ErrnoException)
    if (kind !== 'vanished') summary.errors.push({ source: source.id, path, error: err.message, kind })
  }
  const files = opts.files ?? discoverFiles(sources, onError)
  const stored = new StoredLookup(store)
  // Per file: the bytes it has to go (size - offset, a shrunk one restarts) and whether the store
  // knows it; its full stored row is looked up only when the scan reaches it.
  const remaining = new Float64Array(files.length)
  const known = new Uint8Array(files.length)
  const progress: ScanProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: 0 }
  files.forEach((f, i) => {
    let size = 0
    try {
      size = statSync(f.path).size
    } catch {
      /* gone: its read reports it */
    }
    const offset = stored.offset(f.path)
    if (offset !== undefined) known[i] = 1
    remaining[i] = Math.max(0, size - (offset !== undefined && size >= offset ? offset : 0))
    progress.bytesTotal += remaining[i] ?? 0
  })
  // Per-source facts that span files (Codex fork chains), gathered once per scan.
  const extras = new Map<LogSource, Partial<FileContext>>()
  const extraContext = (source: LogSource): Partial<FileContext> => {
    let extra = extras.get(source)
    if (!extra) {
      const newFiles = files.filter((f, i) => f.source === source && known[i] === 0).map((f) => f.path)
      extra = source.contextFor?.(newFiles, stored.states()) ?? {}
      extras.set(source, extra)
    }
    return extra
  }
  // 32 MiB in bulk mode too: commits of 128 MiB took 18% less CPU to write the 256 MiB tree but
  // raised the peak RSS at 1 GiB by 17 MiB, against its 150 MiB target (docs/BENCHMARKS.md).
  const commitBytes = opts.commitBytes ?? 32 * 1024 * 1024
  const commitFiles = opts.commitFiles ?? COMMIT_FILES
  summary.files = files.length

  const bulk = opts.bulk === false ? null : BulkLoad.begin(store, progress.bytesTotal, opts.bulk === 'always')
  summary.stages.bulk = bulk ? 1 : 0

  let pending: FileBatch[] = []
  let pendingBytes = 0
  let pendingFiles = 0
  // Commits what was read. A store error (disk full, I/O) is no file's fault: it ends the scan and
  // reaches the caller, which retries later; the failed batch rolled back whole, offsets with it.
  const flush = (): void => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    pendingBytes = 0
    pendingFiles = 0
    const r = applyBatch(store, batch, cost, Date.now(), undefined, { bulk })
    summary.inserted += r.inserted
    summary.updated += r.updated
    summary.duplicates += r.duplicates
    summary.stages.dedupMs += r.stages.dedupMs
    summary.stages.sqlMs += r.stages.sqlMs
    summary.stages.commitMs += r.stages.commitMs
    for (const h of r.hours) summary.hours.add(h)
    opts.onCommit?.(r)
  }

  const pool = startPool(opts, progress.bytesTotal)
  summary.stages.workers = pool?.size ?? 0
  // Files handed to the workers ahead of the writer, by index; consumed in file order.
  const streams = new Map<number, FileStream>()
  let dispatched = 0
  let aheadBytes = 0
  const dispatch = (current: number): void => {
    if (!pool) return
    while (dispatched < files.length && (dispatched <= current || aheadBytes < READ_AHEAD_BYTES)) {
      const i = dispatched++
      const f = files[i] as (typeof files)[number]
      const bytes = remaining[i] ?? 0
      // Unchanged files cost one stat here; files whose parser needs more than the file stay here.
      if (bytes === 0 || f.source.contextFor) continue
      const reader = workerReaderIndex(f.source.readerOf(f.path))
      if (reader < 0) continue
      streams.set(
        i,
        pool.read(
          {
            path: f.path,
            stored: known[i] ? stored.get(f.path) : undefined,
            reader,
            ctx: { path: f.path, root: f.root, userId: opts.userId },
          },
          bytes,
        ),
      )
      aheadBytes += bytes
    }
  }

  try {
    for (let i = 0; i < files.length; i++) {
      const f = files[i] as (typeof files)[number]
      if (opts.signal?.aborted) break
      dispatch(i)
      let stream = streams.get(i)
      streams.delete(i)
      if (stream) aheadBytes -= remaining[i] ?? 0
      const ctx = { path: f.path, root: f.root, userId: opts.userId, ...extraContext(f.source) }
      let prev = known[i] ? stored.get(f.path) : undefined
      let readAny = false
      let onWorker = false
      for (;;) {
        // Only the read is this file's: an error here is reported for it and the scan goes on.
        let inc: Increment | null
        try {
          if (stream) {
            const t = performance.now()
            inc = await stream.next()
            summary.stages.waitMs += performance.now() - t
            if (inc) onWorker = true
          } else inc = readSourceFile(f.path, prev, f.source.readerOf(f.path), ctx)
        } catch (err) {
          // A worker that stopped leaves its files to this thread, from what was already taken.
          if (err instanceof WorkerFailedError) {
            stream = undefined
            continue
          }
          onError(f.path, err as Error, f.source)
          break
        }
        if (!inc) break
        readAny = true
        if (inc.stages) {
          summary.stages.readMs += inc.stages.readMs
          summary.stages.searchMs += inc.stages.searchMs
          summary.stages.extractMs += inc.stages.extractMs
        }
        const batch: FileBatch = { file: inc.checkpoint, events: inc.events }
        if (inc.supersede) batch.supersede = inc.supersede
        if (inc.lastEventTs !== undefined) batch.lastEventTs = inc.lastEventTs
        pending.push(batch)
        summary.duplicates += inc.premerged ?? 0
        pendingBytes += inc.bytesRead
        summary.bytes += inc.bytesRead
        summary.lines += inc.checkpoint.lines
        summary.events += inc.checkpoint.events
        summary.skipped += inc.checkpoint.skipped
        for (const [k, n] of Object.entries(inc.checkpoint.skipReasons)) summary.skipReasons[k] = (summary.skipReasons[k] ?? 0) + n
        progress.bytesDone += inc.bytesRead
        const c = inc.checkpoint
        prev = { offset: c.offset, size: c.size, mtimeMs: c.mtimeMs, ino: c.ino, fingerprint: c.fingerprint, state: c.state }
        if (pendingBytes >= commitBytes) {
          flush()
          opts.onProgress?.(progress)
          await new Promise((r) => setImmediate(r))
          if (opts.signal?.aborted) break
        }
        if (inc.done) break
      }
      if (readAny) {
        summary.filesRead++
        // Many small files: commit by their count too, so a backfill never holds more than
        // commitFiles files' events and checkpoints (100,000 one-line files were one commit).
        if (++pendingFiles >= commitFiles) {
          flush()
          opts.onProgress?.(progress)
          await new Promise((r) => setImmediate(r))
        }
      }
      if (onWorker) summary.stages.workerFiles++
      progress.filesDone++
    }
  } finally {
    await pool?.close()
  }
  flush()
  opts.onProgress?.(progress)
  summary.storedLookups = stored.looked
  return summary
}
