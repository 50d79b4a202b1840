/**
 * The one table of what every aggregate keeps: its dimensions (the names a row is grouped by)
 * and its measures (the sums). The SQL column lists, the conflict clause that adds sums, the
 * expressions that compute them from the ledger and the typed rows the projections sum in memory
 * are all generated from these two lists, so no table or query spells them out by position.
 */
import type { LedgerEvent } from '../store/ledger'

/** The names an aggregate row is grouped by, as fields and as columns (in column order). */
export const DIMENSIONS = [
  { field: 'source', column: 'source', picker: 'source' },
  { field: 'userId', column: 'user_id', picker: 'user' },
  { field: 'agentId', column: 'agent_id', picker: 'agent' },
  { field: 'project', column: 'project', picker: 'project' },
  { field: 'model', column: 'model', picker: 'model' },
] as const

export type DimensionField = (typeof DIMENSIONS)[number]['field']

/** A row's names: source, user, agent, project, model. */
export type Dimensions = { [F in DimensionField]: string }

/**
 * The sums every aggregate keeps, in column order, with the SQL that computes each from
 * `usage_events` rows (`fromLedger`); what one record adds in memory is `countEvent` below.
 */
export const MEASURES = [
  { field: 'input', column: 'input', fromLedger: 'sum(input)' },
  { field: 'output', column: 'output', fromLedger: 'sum(output)' },
  { field: 'cacheRead', column: 'cache_read', fromLedger: 'sum(cache_read)' },
  { field: 'cacheWrite', column: 'cache_write', fromLedger: 'sum(cache_write)' },
  { field: 'requests', column: 'requests', fromLedger: 'count(*)' },
  { field: 'costNanoUsd', column: 'cost_nusd', fromLedger: 'sum(coalesce(cost_nusd, 0))' },
  {
    field: 'unpricedTokens',
    column: 'unpriced_tokens',
    fromLedger: 'sum(CASE WHEN cost_nusd IS NULL THEN input + output + cache_read + cache_write ELSE 0 END)',
  },
  {
    field: 'unpricedRequests',
    column: 'unpriced_requests',
    fromLedger: 'sum(CASE WHEN cost_nusd IS NULL THEN 1 ELSE 0 END)',
  },
] as const

export type MeasureField = (typeof MEASURES)[number]['field']

/** An aggregate row's sums, by name. */
export type Measures = { [F in MeasureField]: number }

/** The dimension columns, comma-separated: `source, user_id, agent_id, project, model`. */
export const DIMENSION_COLUMNS = DIMENSIONS.map((d) => d.column).join(', ')

/** The measure columns, comma-separated: `input, output, …, unpriced_requests`. */
export const MEASURE_COLUMNS = MEASURES.map((m) => m.column).join(', ')

/** `sum(input), sum(output), …`: the measures summed over rows of another aggregate. */
export const SUM_OF_MEASURES = MEASURES.map((m) => `sum(${m.column})`).join(', ')

/** The measures computed from `usage_events` rows (`count(*)` for requests, unpriced by a null cost). */
export const MEASURES_FROM_LEDGER = MEASURES.map((m) => m.fromLedger).join(', ')

/** An upsert's conflict clause that adds the new row's sums to the stored row's. */
export const ADD_MEASURES_ON_CONFLICT = `ON CONFLICT DO UPDATE SET ${MEASURES.map((m) => `${m.column} = ${m.column} + excluded.${m.column}`).join(', ')}`

/** `?, ?, …` for `n` parameters. */
export const placeholders = (n: number): string => Array(n).fill('?').join(', ')

/** All-zero sums. */
export function zeroMeasures(): Measures {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costNanoUsd: 0, unpricedTokens: 0, unpricedRequests: 0 }
}

/** Adds (sign 1) or takes back (-1) one ledger record's contribution. Field by field: this runs per record. */
export function countEvent(m: Measures, e: LedgerEvent, sign: 1 | -1): void {
  m.input += sign * e.input
  m.output += sign * e.output
  m.cacheRead += sign * e.cacheRead
  m.cacheWrite += sign * e.cacheWrite
  m.requests += sign
  if (e.costNanoUsd !== null) m.costNanoUsd += sign * e.costNanoUsd
  else {
    m.unpricedTokens += sign * (e.input + e.output + e.cacheRead + e.cacheWrite)
    m.unpricedRequests += sign
  }
}

/** Adds `b`'s sums into `a`. */
export function addMeasures(a: Measures, b: Measures): void {
  for (const { field } of MEASURES) a[field] += b[field]
}

/** Whether every sum is zero (a record added and taken back in one commit). */
export function isZero(m: Measures): boolean {
  return MEASURES.every((c) => m[c.field] === 0)
}

/** The sums in column order, for binding. */
export function measureValues(m: Measures): number[] {
  return MEASURES.map((c) => m[c.field])
}

/** The names in column order, for binding. */
export function dimensionValues(d: Dimensions): string[] {
  return DIMENSIONS.map((c) => d[c.field])
}

/** A record's names but its session, as one string: aggregate rows and spans are keyed by it. */
export function namesOf(e: Dimensions): string {
  return `${e.source}\u0000${e.userId}\u0000${e.agentId}\u0000${e.project}\u0000${e.model}`
}
