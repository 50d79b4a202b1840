import { basename, join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { isOpenClawSession, openclawLineParser } from './parser'

const STREAM: FileReader = { kind: 'append', parser: openclawLineParser as LineParser<unknown> }

/**
 * OpenClaw: OPENCLAW_DIR (comma-separated, as ccusage reads it) and added folders; default
 * ~/.openclaw and the names it had before (~/.clawdbot, ~/.moltbot, ~/.moldbot) on every OS.
 */
export function openclawSource(s: SourceSetup): LogSource {
  const roots = (): string[] => {
    const all = [...splitList(s.env.OPENCLAW_DIR), ...s.folders].map((d) => resolve(d))
    return all.length > 0 ? [...new Set(all)] : ['.openclaw', '.clawdbot', '.moltbot', '.moldbot'].map((d) => join(s.home, d))
  }
  return {
    id: 'openclaw',
    readerOf: () => STREAM,
    roots,
    isLogFile: (p) => isOpenClawSession(basename(p)),
    hint: 'OpenClaw keeps sessions in ~/.openclaw/agents/<agent>/sessions (set OPENCLAW_DIR to point elsewhere).',
  }
}
