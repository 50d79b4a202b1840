import { join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { isJsonl, splitList, type SourceSetup } from '../setup'
import { piLineParser } from './parser'

const STREAM: FileReader = { kind: 'append', parser: piLineParser as LineParser<unknown> }

/**
 * pi (pi-mono's coding agent) and oh-my-pi: `sessions/<project>/*.jsonl`. PI_AGENT_DIR (ccusage's:
 * sessions folders, comma-separated), PI_CODING_AGENT_DIR (pi's own: the agent folder holding
 * sessions/), added folders (sessions folders); default ~/.pi/agent/sessions and
 * ~/.omp/agent/sessions on every OS.
 */
export function piSource(s: SourceSetup): LogSource {
  const roots = (): string[] => {
    const all = [
      ...splitList(s.env.PI_AGENT_DIR).map((d) => resolve(d)),
      ...splitList(s.env.PI_CODING_AGENT_DIR).map((d) => join(resolve(d), 'sessions')),
      ...s.folders.map((d) => resolve(d)),
    ]
    return all.length > 0 ? [...new Set(all)] : [join(s.home, '.pi', 'agent', 'sessions'), join(s.home, '.omp', 'agent', 'sessions')]
  }
  return {
    id: 'pi',
    readerOf: () => STREAM,
    roots,
    isLogFile: isJsonl,
    hint: 'pi keeps sessions in ~/.pi/agent/sessions (set PI_AGENT_DIR or PI_CODING_AGENT_DIR to point elsewhere).',
  }
}
