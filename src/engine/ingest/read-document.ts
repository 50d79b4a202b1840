import { closeSync, fstatSync, openSync, readSync } from 'node:fs'
import { isUtf8 } from 'node:buffer'
import type { DocumentParser, FileContext, RecordsOutcome, SkipReason } from '../sources/types'
import type { FileCheckpoint } from './apply-batch'
import type { Increment, ReadStages, StoredFile } from './read-increment'

/** Documents larger than this are skipped (counted as too-large) rather than read whole. */
export const MAX_DOCUMENT_BYTES = 256 * 1024 * 1024
/** Counts per reason, as a file checkpoint keeps them. */
export function countSkips(skips: readonly SkipReason[]): Pick<FileCheckpoint, 'skipped' | 'skipReasons'> {
  const skipReasons: Record<string, number> = {}
  for (const r of skips) skipReasons[r] = (skipReasons[r] ?? 0) + 1
  return { skipped: skips.length, skipReasons }
}

/**
 * A document rewritten in place: re-read whole when its size, mtime or inode changed. Every
 * record comes again with its key (the ledger adds only what is new or grew); the counts replace
 * the file's previous ones (`rewritten`), and the parser's state (e.g. a running total already
 * counted) is kept with the file.
 */
export function readDocument<S>(
  path: string,
  stored: StoredFile | undefined,
  parser: DocumentParser<S>,
  ctx: FileContext,
): Increment | null {
  const fd = openSync(path, 'r')
  try {
    const st = fstatSync(fd)
    const size = st.size
    const ino = Number(st.ino)
    const mtimeMs = Math.trunc(st.mtimeMs)
    if (stored && stored.size === size && stored.mtimeMs === mtimeMs && stored.ino === ino) return null
    const base = {
      path,
      source: parser.source,
      expectOffset: stored ? stored.offset : null,
      size,
      mtimeMs,
      ino,
      rewritten: stored !== undefined,
    }
    let outcome: RecordsOutcome<S>
    const stages: ReadStages = { readMs: 0, searchMs: 0, extractMs: 0 }
    const state: S = stored && stored.state !== '' ? (JSON.parse(stored.state) as S) : parser.initialState(ctx)
    if (size > MAX_DOCUMENT_BYTES) {
      outcome = { events: [], records: 1, skips: ['too-large'], state }
    } else {
      const t0 = performance.now()
      const buf = Buffer.allocUnsafe(size)
      let got = 0
      while (got < size) {
        const n = readSync(fd, buf, got, size - got, got)
        if (n <= 0) break
        got += n
      }
      const t1 = performance.now()
      stages.readMs = t1 - t0
      const bytes = buf.subarray(0, got)
      if (bytes.includes(0)) outcome = { events: [], records: 1, skips: ['binary'], state }
      else if (!isUtf8(bytes)) outcome = { events: [], records: 1, skips: ['invalid-utf8'], state }
      else outcome = parser.parseDocument(bytes.toString('utf8'), state, { ...ctx, mtimeMs })
      stages.extractMs = performance.now() - t1
    }
    const checkpoint: FileCheckpoint = {
      ...base,
      // The offset only moves on: the stale-batch guard compares it with what the store holds.
      offset: (stored?.offset ?? 0) + 1,
      fingerprint: '',
      state: JSON.stringify(outcome.state),
      lines: outcome.records,
      events: outcome.events.length,
      ...countSkips(outcome.skips),
    }
    const inc: Increment = { checkpoint, events: outcome.events, done: true, bytesRead: size, stages }
    // A read that replaces earlier records (a Cursor CSV over state.vscdb's days) says which.
    if (outcome.supersede && outcome.supersede.length > 0) inc.supersede = outcome.supersede
    return inc
  } finally {
    closeSync(fd)
  }
}
