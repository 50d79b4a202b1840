/** Splits an NDJSON byte stream into lines without ever holding more than one line's limit. */
import { isUtf8 } from 'node:buffer'

/** Default longest line accepted: a usage report is a few hundred bytes. */
export const MAX_LINE_BYTES = 64 * 1024

/**
 * A complete line (without its newline), or the place of a line that was too long or not valid
 * UTF-8 (decoding would turn `\xff` and `\xfe` alike into U+FFFD, so two ids would collide).
 */
export type SplitItem = { kind: 'line'; text: string } | { kind: 'oversize' } | { kind: 'invalid-utf8' }

/** Incremental splitter: feed chunks, get the lines they complete. */
export interface LineSplitter {
  /** Returns the lines (and oversize markers, in order) that `chunk` completes. */
  push(chunk: Buffer): SplitItem[]
  /** At end of input: the last line if it had no newline (nothing if it was blank or oversize). */
  end(): SplitItem[]
  /** Bytes held for an unfinished line (never more than the limit). */
  readonly buffered: number
}

const NL = 0x0a
const CR = 0x0d

/**
 * Creates a splitter. An over-long line yields one `oversize` item as soon as it passes the limit
 * (so the sender hears at once), then its bytes are dropped up to the next newline. Blank lines
 * are skipped. A trailing `\r` is removed so CRLF senders work.
 */
export function createLineSplitter(maxLineBytes = MAX_LINE_BYTES): LineSplitter {
  let parts: Buffer[] = []
  let held = 0
  let discarding = false

  const emit = (out: SplitItem[], buf: Buffer, start: number, end: number): void => {
    let bytes: Buffer
    if (held === 0) {
      if (end > start && buf[end - 1] === CR) end--
      bytes = buf.subarray(start, end)
    } else {
      parts.push(buf.subarray(start, end))
      const all = Buffer.concat(parts, held + end - start)
      parts = []
      held = 0
      bytes = all.length > 0 && all[all.length - 1] === CR ? all.subarray(0, all.length - 1) : all
    }
    if (!isUtf8(bytes)) {
      out.push({ kind: 'invalid-utf8' })
      return
    }
    const text = bytes.toString('utf8')
    if (text.length > 0 && text.trim().length > 0) out.push({ kind: 'line', text })
  }

  return {
    push(chunk) {
      const out: SplitItem[] = []
      let start = 0
      while (start <= chunk.length) {
        const nl = chunk.indexOf(NL, start)
        const end = nl === -1 ? chunk.length : nl
        if (discarding) {
          if (nl === -1) break
          discarding = false
        } else if (held + end - start > maxLineBytes) {
          // Too long: report it now, drop what we hold, skip to the next newline.
          parts = []
          held = 0
          out.push({ kind: 'oversize' })
          if (nl === -1) {
            discarding = true
            break
          }
        } else if (nl === -1) {
          if (end > start) {
            // Copy: the chunk's buffer may be reused by the stream.
            parts.push(Buffer.from(chunk.subarray(start, end)))
            held += end - start
          }
          break
        } else {
          emit(out, chunk, start, end)
        }
        start = nl + 1
      }
      return out
    },
    end() {
      const out: SplitItem[] = []
      if (!discarding && held > 0) emit(out, Buffer.alloc(0), 0, 0)
      parts = []
      held = 0
      discarding = false
      return out
    },
    get buffered() {
      return held
    },
  }
}
