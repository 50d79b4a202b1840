import { basename, relative, sep } from 'node:path'
import type { FileContext, LineParser } from '../types'
import { transcriptLine, type TranscriptState } from '../pi/parser'

/** `a.jsonl`, and the copies OpenClaw keeps of it when a session is deleted or reset (`a.jsonl.deleted.<ts>`, `a.jsonl.reset.<ts>`). */
export function isOpenClawSession(name: string): boolean {
  const i = name.indexOf('.jsonl')
  if (i <= 0) return false
  const rest = name.slice(i)
  return rest === '.jsonl' || rest.startsWith('.jsonl.deleted.') || rest.startsWith('.jsonl.reset.')
}

/**
 * OpenClaw (built on pi's agent): `agents/<agent>/sessions/<session id>.jsonl`, the pi transcript
 * format with `model_change` lines naming the model. A deleted or reset session's renamed copy is
 * the same transcript: its session id (the name before `.jsonl`) and entry ids make it count once.
 */
export const openclawLineParser: LineParser<TranscriptState> = {
  source: 'openclaw',
  needles: ['"usage"', '"model_change"', '"model-snapshot"', '"session"'],
  initialState(ctx: FileContext): TranscriptState {
    const name = basename(ctx.path)
    const parts = relative(ctx.root, ctx.path).split(sep)
    const agent = parts[0] === 'agents' && parts.length > 2 ? (parts[1] ?? '') : ''
    return { sessionId: name.slice(0, name.indexOf('.jsonl')), project: agent ? `openclaw/${agent}` : 'openclaw', model: '', ordinal: 0 }
  },
  parseLine: (line, state, ctx) => transcriptLine('openclaw', line, state, ctx),
}
