import { basename, join, resolve } from 'node:path'
import type { DocumentParser, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { codebuffDocumentParser } from './parser'

const DOCUMENT: FileReader = { kind: 'document', parser: codebuffDocumentParser as DocumentParser<unknown> }

const CHANNELS = ['manicode', 'manicode-dev', 'manicode-staging']

/**
 * Codebuff: `<channel>/projects/` for CODEBUFF_DATA_DIR (comma-separated channel folders, or their
 * projects/ folders, as ccusage reads it) and added folders; default ~/.config/manicode (and its
 * -dev and -staging channels) on every OS.
 */
export function codebuffSource(s: SourceSetup): LogSource {
  const roots = (): string[] => {
    const all = [...splitList(s.env.CODEBUFF_DATA_DIR), ...s.folders].map((d) => resolve(d))
    const channels = all.length > 0 ? all : CHANNELS.map((c) => join(s.home, '.config', c))
    return [...new Set(channels.map((d) => (basename(d) === 'projects' ? d : join(d, 'projects'))))]
  }
  return {
    id: 'codebuff',
    readerOf: () => DOCUMENT,
    roots,
    isLogFile: (p) => basename(p) === 'chat-messages.json',
    hint: 'Codebuff keeps chats in ~/.config/manicode/projects (set CODEBUFF_DATA_DIR to point elsewhere).',
  }
}
