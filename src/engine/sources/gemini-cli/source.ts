import { join, resolve } from 'node:path'
import type { DocumentParser, FileReader, LineParser, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { geminiDocumentParser, geminiLineParser } from './parser'

const STREAM: FileReader = { kind: 'append', parser: geminiLineParser as LineParser<unknown> }
const DOCUMENT: FileReader = { kind: 'document', parser: geminiDocumentParser as DocumentParser<unknown> }

/** Whether a path is a chat file: `.../chats/...(.jsonl|.json)`. */
function isChat(p: string): boolean {
  return (p.endsWith('.jsonl') || p.endsWith('.json')) && /[\\/]chats[\\/]/.test(p)
}

/**
 * Gemini CLI: `<home>/tmp/<project>/chats/` for GEMINI_CLI_HOME (default ~/.gemini), GEMINI_DATA_DIR
 * (ccusage's: the `tmp` folder itself) and added homes.
 */
export function geminiSource(s: SourceSetup): LogSource {
  const homes = [...splitList(s.env.GEMINI_CLI_HOME), ...s.folders]
  const dataDirs = splitList(s.env.GEMINI_DATA_DIR)
  const roots = (): string[] => {
    const fromHomes = homes.map((h) => join(resolve(h), 'tmp'))
    const all = [...fromHomes, ...dataDirs.map((d) => resolve(d))]
    return all.length > 0 ? [...new Set(all)] : [join(s.home, '.gemini', 'tmp')]
  }
  return {
    id: 'gemini-cli',
    readerOf: (path) => (path.endsWith('.json') ? DOCUMENT : STREAM),
    roots,
    isLogFile: isChat,
    hint: 'Gemini CLI keeps chats in ~/.gemini/tmp/<project>/chats (set GEMINI_CLI_HOME to point elsewhere).',
  }
}
