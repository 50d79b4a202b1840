/**
 * Model-name normalization for exact and alias price lookup. Each step strips one well-known
 * decoration; nothing here ever matches by substring or similarity.
 */

/** Routing prefixes such as `openai/`, `anthropic/`, `bedrock/`, `vertex_ai/`, `openrouter/anthropic/`. */
const PROVIDER_PATH = /^.*\//
/** Bedrock model ids: `anthropic.` with an optional cross-region prefix (`us.`, `eu.`, `global.` ...). */
const BEDROCK_PREFIX = /^(?:[a-z]{2,6}(?:-[a-z]+)?\.)?anthropic\./
/** Context-window variants such as Claude Code's `claude-opus-4-6[1m]`. */
const CONTEXT_SUFFIX = /\[[^\]]*\]$/
/** Bedrock version suffix such as `-v1:0`. */
const BEDROCK_VERSION = /-v\d+:\d+$/
/** Snapshot-date suffix: `-20250514`, `@20250514`, `-2025-08-07`, `@2025-08-07`. */
export const DATE_SUFFIX = /[-@](?:\d{8}|\d{4}-\d{2}-\d{2})$/

/** The names to try for one model string, most specific first. */
export interface NameCandidates {
  /** Lower-cased original first, then each stripped form; no duplicates. */
  names: string[]
  /** The fully stripped name (the last of `names`). */
  base: string
  /** Whether a date suffix was stripped: a dated query never falls back to another dated entry. */
  dated: boolean
}

/** Lists the exact names a model string may be priced under, in the order they are tried. */
export function nameCandidates(model: string): NameCandidates {
  const names: string[] = []
  const push = (n: string): string => {
    if (n && !names.includes(n)) names.push(n)
    return n
  }
  let n = push(model.trim().toLowerCase())
  n = push(n.replace(PROVIDER_PATH, '').replace(BEDROCK_PREFIX, ''))
  n = push(n.replace(CONTEXT_SUFFIX, ''))
  n = push(n.replace(BEDROCK_VERSION, ''))
  const undated = n.replace(DATE_SUFFIX, '')
  const dated = undated !== n
  n = push(undated)
  return { names, base: n, dated }
}

/** The fully normalized form of a model string (provider prefix, context, version and date stripped). */
export function normalizeModelName(model: string): string {
  return nameCandidates(model).base
}
