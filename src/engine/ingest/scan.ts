import { lstatSync, statSync } from 'node:fs'
import type { FileErrorCounts, ScanFileError } from '../../shared/contract'
import type { SourceId } from '../../shared/usage'
import type { Store } from '../store/open-store'
import type { FileContext, LogSource } from '../sources/types'
import { walkFiles } from '../sources/walk'
import { applyBatch, type BatchResult, type Coster, type FileBatch } from './apply-batch'
import type { Increment, StoredFile } from './read-increment'
import { readSourceFile } from './read-source'

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
  /** Commit after about this many bytes read (one fsync per commit). */
  commitBytes?: number
  /**
   * Ends the scan at its next commit (what is read by then is committed; the rest waits for the
   * next scan, from the saved offsets): how a stopping engine leaves a long backfill.
   */
  signal?: AbortSignal
  /** Only these files (e.g. the ones a watcher saw change); default: walk every root. */
  files?: { source: LogSource; root: string; path: string }[]
}

/** The stored reading position of every known file, keyed by path. */
export function loadStoredFiles(store: Store): Map<string, StoredFile> {
  const rows = store.db
    .prepare('SELECT path, offset, size, mtime_ms AS mtimeMs, ino, fingerprint, state FROM source_files')
    .all() as (StoredFile & { path: string })[]
  return new Map(rows.map((r) => [r.path, r]))
}

/** Lists every log file of every source, with the root it was found under. */
export function discoverFiles(sources: LogSource[], onError: (path: string, err: Error, source: LogSource) => void): NonNullable<ScanOptions['files']> {
  return sources.flatMap((source) =>
    source.roots().flatMap((root) => walkFiles(root, source.isLogFile, (path, err) => onError(path, err, source), source.flat === true).map((path) => ({ source, root, path }))),
  )
}

export function emptySummary(): ScanSummary {
  return {
    files: 0, filesRead: 0, bytes: 0, lines: 0, events: 0, inserted: 0, updated: 0, duplicates: 0, skipped: 0,
    skipReasons: {}, errors: [], hours: new Set(),
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
  const stored = loadStoredFiles(store)
  // Per-source facts that span files (Codex fork chains), gathered once per scan.
  const extras = new Map<LogSource, Partial<FileContext>>()
  const extraContext = (source: LogSource): Partial<FileContext> => {
    let extra = extras.get(source)
    if (!extra) {
      const newFiles = files.filter((f) => f.source === source && !stored.has(f.path)).map((f) => f.path)
      const saved = [...stored.values()].map((s) => s.state)
      extra = source.contextFor?.(newFiles, saved) ?? {}
      extras.set(source, extra)
    }
    return extra
  }
  const commitBytes = opts.commitBytes ?? 32 * 1024 * 1024
  summary.files = files.length
  const sizes = files.map((f) => {
    try {
      return statSync(f.path).size
    } catch {
      return 0
    }
  })
  const progress: ScanProgress = { filesDone: 0, filesTotal: files.length, bytesDone: 0, bytesTotal: 0 }
  files.forEach((f, i) => {
    const s = stored.get(f.path)
    const size = sizes[i] ?? 0
    // A file read on from its offset (unchanged or grown) has size - offset to go; a shrunk one restarts.
    progress.bytesTotal += Math.max(0, size - (s && size >= s.offset ? s.offset : 0))
  })

  let pending: FileBatch[] = []
  let pendingBytes = 0
  // Commits what was read. A store error (disk full, I/O) is no file's fault: it ends the scan and
  // reaches the caller, which retries later; the failed batch rolled back whole, offsets with it.
  const flush = (): void => {
    if (pending.length === 0) return
    const batch = pending
    pending = []
    pendingBytes = 0
    const r = applyBatch(store, batch, cost)
    summary.inserted += r.inserted
    summary.updated += r.updated
    summary.duplicates += r.duplicates
    for (const h of r.hours) summary.hours.add(h)
    opts.onCommit?.(r)
  }

  for (const f of files) {
    if (opts.signal?.aborted) break
    const ctx = { path: f.path, root: f.root, userId: opts.userId, ...extraContext(f.source) }
    let prev = stored.get(f.path)
    let readAny = false
    for (;;) {
      // Only the read is this file's: an error here is reported for it and the scan goes on.
      let inc: Increment | null
      try {
        inc = readSourceFile(f.path, prev, f.source.readerOf(f.path), ctx)
      } catch (err) {
        onError(f.path, err as Error, f.source)
        break
      }
      if (!inc) break
      readAny = true
      pending.push({ file: inc.checkpoint, events: inc.events })
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
    if (readAny) summary.filesRead++
    progress.filesDone++
  }
  flush()
  opts.onProgress?.(progress)
  return summary
}
