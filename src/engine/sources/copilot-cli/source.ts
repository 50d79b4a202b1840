import { basename, dirname, join, resolve, sep } from 'node:path'
import type { DatabaseReader, FileReader, LineParser, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { copilotLineParser } from './parser'
import { copilotStoreReader } from './store'

const EVENTS: FileReader = { kind: 'append', parser: copilotLineParser as LineParser<unknown> }
const STORE: FileReader = { kind: 'database', reader: copilotStoreReader as DatabaseReader<unknown> }

/**
 * GitHub Copilot CLI: COPILOT_HOME (comma-separated; COPILOT_CONFIG_DIR, older ccusage's name, too)
 * and added homes; default `~/.copilot` on every OS. Each home gives two roots: `session-state/`
 * (walked: `<session>/events.jsonl`) and the home itself, flat (`session-store.db` at its top; the
 * rest of ~/.copilot, such as the CLI's installed packages, is neither walked nor watched).
 */
export function copilotSource(s: SourceSetup): LogSource {
  const listed = [...splitList(s.env.COPILOT_HOME), ...splitList(s.env.COPILOT_CONFIG_DIR), ...s.folders].map((h) => resolve(h))
  const homes = listed.length > 0 ? [...new Set(listed)] : [join(s.home, '.copilot')]
  const states = homes.map((h) => join(h, 'session-state'))
  const isStore = (p: string): boolean => basename(p) === 'session-store.db' && homes.includes(dirname(p))
  const isLogFile = (p: string): boolean => isStore(p) || (basename(p) === 'events.jsonl' && states.some((r) => p.startsWith(r + sep)))
  return {
    id: 'copilot-cli',
    readerOf: (path) => (isStore(path) ? STORE : EVENTS),
    roots: () => [...states, ...homes],
    isLogFile,
    flat: (root) => homes.includes(root),
    // A commit may touch only the store's WAL: it stands for the store.
    logFileOf: (p) => (p.endsWith('-wal') && isStore(p.slice(0, -4)) ? p.slice(0, -4) : null),
    hint: 'GitHub Copilot CLI keeps sessions in ~/.copilot (session-state/, session-store.db); set COPILOT_HOME to point elsewhere.',
  }
}
