/**
 * Reads a provider's own usage or cost export (CSV) into billed rows per UTC day and model:
 * Cursor's dashboard usage export, the Anthropic Console's usage and cost exports, and OpenAI's
 * usage and cost exports. Columns are found by header name (docs/TEAM.md lists each format and
 * the names accepted), never by position, so an added or reordered column changes nothing.
 */
import { parse } from 'csv-parse/sync'
import type { ExportKind } from '../../shared/contract'

/** Exclusive token buckets as billed; null where the export does not report tokens. */
export interface BilledTokens {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
}

/** One export line: a UTC day, a model, what was billed. */
export interface BilledRow {
  day: string
  model: string
  costUsd: number | null
  tokens: BilledTokens | null
  requests: number | null
}

/** A file read: its kind, its rows, and the lines it could not read (counted, not fatal). */
export interface ProviderExport {
  kind: ExportKind
  rows: BilledRow[]
  skipped: { line: number; reason: string }[]
}

type Row = Record<string, string>

/** Header names compared without case, spaces, underscores or punctuation. */
export const norm = (h: string): string => h.toLowerCase().replace(/[^a-z0-9]/g, '')

/** The first header of `names` (normalized) present in the file, or undefined. */
function column(headers: Map<string, string>, ...names: string[]): string | undefined {
  for (const n of names) {
    const h = headers.get(norm(n))
    if (h !== undefined) return h
  }
  return undefined
}

/** A non-negative number from an export cell ("1,234", "$0.19", "" = missing). */
export function amount(cell: string | undefined): number | undefined {
  if (cell === undefined) return undefined
  const t = cell.trim().replace(/^\$/, '').replace(/,/g, '')
  if (t === '') return undefined
  const n = Number(t)
  return Number.isFinite(n) && n >= 0 ? n : Number.NaN
}

/** A whole token count, or NaN. */
function count(cell: string | undefined): number {
  const n = amount(cell)
  if (n === undefined) return 0
  return Number.isSafeInteger(n) ? n : Number.NaN
}

/** The UTC day of a date cell: ISO dates and instants, or epoch seconds (OpenAI's start_time). */
function utcDay(cell: string | undefined): string | undefined {
  const t = cell?.trim() ?? ''
  if (/^\d{9,11}$/.test(t)) return new Date(Number(t) * 1000).toISOString().slice(0, 10)
  if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return Number.isNaN(Date.parse(`${t}T00:00:00Z`)) ? undefined : t
  const ms = Date.parse(t)
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString().slice(0, 10)
}

/** Which export the headers belong to, or why none. */
export function detectKind(headerList: string[]): ExportKind | string {
  const h = new Set(headerList.map(norm))
  if (h.has('inputwcachewrite') && h.has('inputwocachewrite')) return 'cursor'
  if (h.has('numodelrequests') || h.has('nummodelrequests') || h.has('inputcachedtokens') || h.has('lineitem')) return 'openai'
  if (h.has('uncachedinputtokens') || h.has('cachecreationinputtokens') || h.has('usagedateutc') || h.has('tokentype') || h.has('costtype'))
    return 'anthropic'
  return `not a known provider export (headers: ${headerList.join(', ')}); see docs/TEAM.md for the formats read`
}

/** Parses `text` (a whole CSV file). Throws only when the file is no known export at all. */
export function readProviderExport(text: string): ProviderExport {
  const records = parse(text.replace(/^\uFEFF/, ''), {
    columns: false,
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
  }) as string[][]
  const [header, ...body] = records
  if (!header) throw new Error('the export is empty')
  const kind = detectKind(header)
  if (kind !== 'cursor' && kind !== 'anthropic' && kind !== 'openai') throw new Error(kind)
  const headers = new Map(header.map((h) => [norm(h), h]))
  const rows: BilledRow[] = []
  const skipped: ProviderExport['skipped'] = []
  body.forEach((cells, i) => {
    const r: Row = {}
    header.forEach((h, j) => (r[h] = cells[j] ?? ''))
    const out = readRow(kind, headers, r)
    if (typeof out === 'string') skipped.push({ line: i + 2, reason: out })
    else if (out) rows.push(out)
  })
  return { kind, rows, skipped }
}

/** One line as a billed row; a string says why it was skipped; null bills nothing. */
function readRow(kind: ExportKind, headers: Map<string, string>, r: Row): BilledRow | string | null {
  const get = (...names: string[]): string | undefined => {
    const c = column(headers, ...names)
    return c === undefined ? undefined : r[c]
  }
  const day = utcDay(get('date', 'usage_date_utc', 'usage_date', 'day', 'starting_at', 'start_time', 'bucket_start_time'))
  if (day === undefined) return 'no readable date'
  const model = (get('model', 'model_name', 'model_id') ?? '').trim()
  const costCell = get('cost', 'cost_usd', 'amount', 'amount_usd', 'amount_value', 'amount.value', 'total_cost_usd')
  const cost = amount(costCell)
  if (Number.isNaN(cost)) return `cost is not a non-negative amount: ${costCell ?? ''}`
  let tokens: BilledTokens | null = null
  switch (kind) {
    case 'cursor': {
      // "Input (w/ Cache Write)" is the cache-write count and "Input (w/o Cache Write)" the plain
      // input: the four columns sum to "Total Tokens" (docs/TEAM.md, shared research notes).
      tokens = {
        input: count(get('Input (w/o Cache Write)')),
        cacheWrite: count(get('Input (w/ Cache Write)')),
        cacheRead: count(get('Cache Read')),
        output: count(get('Output Tokens')),
      }
      break
    }
    case 'anthropic': {
      const has = column(headers, 'uncached_input_tokens', 'input_tokens', 'output_tokens') !== undefined
      if (has) {
        const write =
          count(get('cache_creation_input_tokens')) +
          count(get('cache_creation_ephemeral_5m_input_tokens', 'ephemeral_5m_input_tokens')) +
          count(get('cache_creation_ephemeral_1h_input_tokens', 'ephemeral_1h_input_tokens'))
        tokens = {
          input: count(get('uncached_input_tokens', 'input_tokens')),
          output: count(get('output_tokens')),
          cacheRead: count(get('cache_read_input_tokens')),
          cacheWrite: write,
        }
      }
      break
    }
    case 'openai': {
      if (column(headers, 'input_tokens', 'output_tokens') !== undefined) {
        // OpenAI counts cached input inside input_tokens: made exclusive, as the Codex reader does.
        const input = count(get('input_tokens'))
        const cached = Math.min(count(get('input_cached_tokens', 'cached_input_tokens')), input)
        tokens = { input: input - cached, cacheRead: cached, output: count(get('output_tokens')), cacheWrite: 0 }
      }
      break
    }
    default:
      return kind satisfies never
  }
  if (tokens && Object.values(tokens).some(Number.isNaN)) return 'a token count is not a whole non-negative number'
  const requestsCell = get('num_model_requests', 'requests', 'request_count')
  const requests = requestsCell === undefined ? null : count(requestsCell)
  if (requests !== null && Number.isNaN(requests)) return `requests is not a whole number: ${requestsCell ?? ''}`
  if (cost === undefined && tokens === null) return null
  if (model === '' && tokens === null) return null
  return { day, model: model || '(no model)', costUsd: cost ?? null, tokens, requests }
}
