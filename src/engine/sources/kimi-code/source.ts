import { join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { kimiLineParser } from './parser'

const STREAM: FileReader = { kind: 'append', parser: kimiLineParser as LineParser<unknown> }

/** Whether a path is an agent's wire: `.../agents/<agent>/wire.jsonl`. */
function isWire(p: string): boolean {
  return /[\\/]agents[\\/][^\\/]+[\\/]wire\.jsonl$/.test(p)
}

/**
 * Kimi Code: `<home>/sessions/` for KIMI_CODE_HOME (comma-separated) and added homes; default
 * `~/.kimi-code` on every OS, plus the runtime the Kimi desktop app embeds on macOS
 * (`~/Library/Application Support/kimi-desktop/daimon-share/daimon/runtime/kimi-code/home`).
 */
export function kimiSource(s: SourceSetup): LogSource {
  const homes = [...splitList(s.env.KIMI_CODE_HOME), ...s.folders]
  const roots = (): string[] => {
    const all = homes.map((h) => join(resolve(h), 'sessions'))
    if (all.length > 0) return [...new Set(all)]
    const defaults = [join(s.home, '.kimi-code', 'sessions')]
    if (process.platform === 'darwin')
      defaults.push(
        join(
          s.home,
          'Library',
          'Application Support',
          'kimi-desktop',
          'daimon-share',
          'daimon',
          'runtime',
          'kimi-code',
          'home',
          'sessions',
        ),
      )
    return defaults
  }
  return {
    id: 'kimi-code',
    readerOf: () => STREAM,
    roots,
    isLogFile: isWire,
    hint: 'Kimi Code keeps sessions in ~/.kimi-code/sessions (set KIMI_CODE_HOME to point elsewhere).',
  }
}
