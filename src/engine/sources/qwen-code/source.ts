import { basename, join, resolve } from 'node:path'
import type { FileReader, LineParser, LogSource } from '../types'
import { splitList, type SourceSetup } from '../setup'
import { qwenLineParser } from './parser'

const STREAM: FileReader = { kind: 'append', parser: qwenLineParser as LineParser<unknown> }

/** Whether a path is a chat log: `.../<project>/chats/<session>.jsonl`. */
function isChat(p: string): boolean {
  return p.endsWith('.jsonl') && /[\\/]chats[\\/][^\\/]+\.jsonl$/.test(p)
}

/** A data folder's `projects/`; a folder that is itself `projects/` is taken as it is. */
function projectsOf(dir: string): string {
  const d = resolve(dir)
  return basename(d) === 'projects' ? d : join(d, 'projects')
}

/**
 * Qwen Code: `<data>/projects/<project>/chats/*.jsonl` for QWEN_DATA_DIR (comma-separated, as
 * ccusage reads it) and added data folders; default `~/.qwen` on every OS (Qwen Code keeps its
 * data under the home folder on macOS, Linux and Windows alike).
 */
export function qwenSource(s: SourceSetup): LogSource {
  const dirs = [...splitList(s.env.QWEN_DATA_DIR), ...s.folders]
  const roots = (): string[] => {
    const all = dirs.map(projectsOf)
    return all.length > 0 ? [...new Set(all)] : [join(s.home, '.qwen', 'projects')]
  }
  return {
    id: 'qwen-code',
    readerOf: () => STREAM,
    roots,
    isLogFile: isChat,
    hint: 'Qwen Code keeps chats in ~/.qwen/projects/<project>/chats (set QWEN_DATA_DIR to point elsewhere).',
  }
}
