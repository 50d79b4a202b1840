import { join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { grokLineParser } from './parser'

const STREAM: FileReader = { kind: 'append', parser: grokLineParser as LineParser<unknown> }

/** Whether a path is a session's ACP log: `.../<session>/updates.jsonl`. */
const isUpdates = (p: string): boolean => /[\\/]updates\.jsonl$/.test(p)

/**
 * Grok Build: `<home>/sessions/<url-encoded cwd>/<session>/updates.jsonl` for GROK_HOME
 * (comma-separated, as ccusage reads it) and added homes; default `~/.grok` on every OS.
 */
export function grokSource(s: SourceSetup): LogSource {
  const homes = [...splitList(s.env.GROK_HOME), ...s.folders]
  const roots = (): string[] => {
    const all = homes.map((h) => join(resolve(h), 'sessions'))
    return all.length > 0 ? [...new Set(all)] : [join(s.home, '.grok', 'sessions')]
  }
  return {
    id: 'grok',
    readerOf: () => STREAM,
    roots,
    isLogFile: isUpdates,
    hint: 'Grok Build keeps sessions in ~/.grok/sessions (set GROK_HOME to point elsewhere).',
  }
}
