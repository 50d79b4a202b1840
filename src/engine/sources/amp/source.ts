import { join, resolve } from 'node:path'
import type { DocumentParser, FileReader, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { ampDocumentParser } from './parser'

const DOCUMENT: FileReader = { kind: 'document', parser: ampDocumentParser as DocumentParser<unknown> }

/** Whether a path is a thread file: `.../threads/<id>.json`. */
function isThread(p: string): boolean {
  return p.endsWith('.json') && /[\\/]threads[\\/][^\\/]+\.json$/.test(p)
}

/**
 * Amp: `<data>/threads/*.json` for AMP_DATA_DIR (comma-separated, as ccusage reads it) and added
 * data folders; default `~/.local/share/amp` on every OS (Amp uses the XDG layout everywhere).
 */
export function ampSource(s: SourceSetup): LogSource {
  const dirs = [...splitList(s.env.AMP_DATA_DIR), ...s.folders]
  const roots = (): string[] => {
    const all = dirs.map((d) => join(resolve(d), 'threads'))
    return all.length > 0 ? [...new Set(all)] : [join(s.home, '.local', 'share', 'amp', 'threads')]
  }
  return {
    id: 'amp',
    readerOf: () => DOCUMENT,
    roots,
    isLogFile: isThread,
    hint: 'Amp keeps threads in ~/.local/share/amp/threads (set AMP_DATA_DIR to point elsewhere).',
  }
}
