/**
 * The file readers a parse worker can run: parsers that need nothing but the file, its saved state
 * and a plain FileContext (no functions, no other files). A source whose reader is not listed here
 * (Codex's fork chains, other apps' databases, a test's own parser) is read on the main thread.
 * A new agent whose parser is pure adds its reader here to get the parallel backfill (and its
 * source to test/engine/sources/worker-parity-more.test.ts).
 */
import { ampDocumentParser } from '../sources/amp/parser'
import { claudeParser } from '../sources/claude-code/parser'
import { geminiDocumentParser, geminiLineParser } from '../sources/gemini-cli/parser'
import { grokLineParser } from '../sources/grok/parser'
import { kimiLineParser } from '../sources/kimi-code/parser'
import { qwenLineParser } from '../sources/qwen-code/parser'
import { piLineParser } from '../sources/pi/parser'
import { openclawLineParser } from '../sources/openclaw/parser'
import { codebuffDocumentParser } from '../sources/codebuff/parser'
import { clineParser } from '../sources/cline/parser'
import type { DocumentParser, FileReader, LineParser } from '../sources/types'

const READERS: readonly FileReader[] = [
  { kind: 'append', parser: claudeParser as LineParser<unknown> },
  { kind: 'append', parser: geminiLineParser as LineParser<unknown> },
  { kind: 'document', parser: geminiDocumentParser as DocumentParser<unknown> },
  { kind: 'document', parser: ampDocumentParser as DocumentParser<unknown> },
  { kind: 'append', parser: qwenLineParser as LineParser<unknown> },
  { kind: 'append', parser: kimiLineParser as LineParser<unknown> },
  { kind: 'append', parser: grokLineParser as LineParser<unknown> },
  { kind: 'append', parser: piLineParser as LineParser<unknown> },
  { kind: 'append', parser: openclawLineParser as LineParser<unknown> },
  { kind: 'document', parser: codebuffDocumentParser as DocumentParser<unknown> },
  // Cline, Roo Code and Kilo Code task files (their side files are read beside them, from disk).
  { kind: 'document', parser: clineParser as DocumentParser<unknown> },
  // Not here: Copilot CLI's events.jsonl (its parser opens session-store.db, and the workers do
  // not load better-sqlite3; one small file per session), Droid and Cursor (contextFor: facts
  // shared across files), Codex (fork chains), and every database reader.
]

/** The index a worker knows `reader` by, or -1 when it must be read on the main thread. */
export function workerReaderIndex(reader: FileReader): number {
  if (reader.kind === 'database') return -1
  return READERS.findIndex((r) => r.kind === reader.kind && r.parser === reader.parser)
}

/** The reader a worker runs for an index from `workerReaderIndex`. */
export function workerReader(index: number): FileReader {
  const r = READERS[index]
  if (!r) throw new Error(`parse worker: no reader ${index}`)
  return r
}
