import type { Figures, Report, ReportQuery, ReportRow } from '../../shared/contract'
import { runReport } from '../query/report'
import { openStore, type Store } from '../store/open-store'
import { ADD_MEASURES_ON_CONFLICT, MEASURE_COLUMNS } from '../projections/measures'
import { connectTeam } from './pg-sink'
import { TEAM_SCHEMA } from './pg-schema'
import { scrub } from '../../shared/team-url'

/** A report over several machines: a report query, with `machines` (names or ids) as a filter. */
export type TeamReportQuery = ReportQuery

interface PgRow {
  machine: string
  machine_id: string
  bucket_start: string
  source: string
  user_id: string
  agent_id: string
  project: string
  model: string
  input: string
  output: string
  cache_read: string
  cache_write: string
  requests: string
  cost_nusd: string
  unpriced_tokens: string
  unpriced_requests: string
}

/**
 * Answers a report over the team database: the machines' quarter-hour rows are read once and
 * summed by the same report code as a local store (one in-memory store per machine when the
 * report is grouped by machine), so days and hours are exact in the viewer's zone and a team
 * total equals the sum of the machines' own reports.
 */
export async function teamReport(url: string, q: TeamReportQuery): Promise<Report> {
  return reportOverMachines(await fetchTeamMachines(url, q), q)
}

/** The team database's quarter-hour rows in a range, per machine (labelled by name, by name and id where names repeat). */
export async function fetchTeamMachines(url: string, q: { from?: number; to?: number; machines?: string[] } = {}): Promise<MachineRows[]> {
  const client = await connectTeam(url)
  let rows: PgRow[]
  try {
    const exists = await client.query(`SELECT to_regclass('${TEAM_SCHEMA}.buckets') AS t`)
    if (!(exists.rows[0] as { t: string | null }).t)
      throw new Error('no Token Watch team data in this database yet (run `tokenwatch sync --to …` first)')
    const cond: string[] = ['b.requests <> 0']
    const params: unknown[] = []
    if (q.from !== undefined) cond.push(`b.bucket_start >= $${params.push(q.from)}`)
    if (q.to !== undefined) cond.push(`b.bucket_start < $${params.push(q.to)}`)
    if (q.machines?.length) cond.push(`(m.name = ANY($${params.push(q.machines)}) OR b.machine_id = ANY($${params.push(q.machines)}))`)
    const r = await client.query<PgRow>(
      `SELECT m.name AS machine, b.* FROM ${TEAM_SCHEMA}.buckets b JOIN ${TEAM_SCHEMA}.machines m USING (machine_id)
      WHERE ${cond.join(' AND ')}`,
      params,
    )
    rows = r.rows
  } catch (err) {
    throw new Error(scrub((err as Error).message, url))
  } finally {
    await client.end().catch(() => undefined)
  }
  const machines = new Map<string, { name: string; machineId: string; rows: WireRow[] }>()
  for (const r of rows) {
    let m = machines.get(r.machine_id)
    if (!m) machines.set(r.machine_id, (m = { name: r.machine, machineId: r.machine_id, rows: [] }))
    m.rows.push([
      Number(r.bucket_start),
      r.source,
      r.user_id,
      r.agent_id,
      r.project,
      r.model,
      Number(r.input),
      Number(r.output),
      Number(r.cache_read),
      Number(r.cache_write),
      Number(r.requests),
      Number(r.cost_nusd),
      Number(r.unpriced_tokens),
      Number(r.unpriced_requests),
    ])
  }
  // Two machines may share a name: keep them apart by their id.
  return labelMachines([...machines.values()])
}

/** An aggregate row as it travels: bucket_start, source, user, agent, project, model, then the eight sums. */
export type WireRow = [number, string, string, string, string, string, number, number, number, number, number, number, number, number]

/** One machine's rows and the label it is shown under (its name; name and id prefix where two share a name). */
export interface MachineRows {
  label: string
  name: string
  machineId: string
  rows: WireRow[]
}

/** The machines a `machines` filter names (each by label, name or id); all of them without one. */
export function pickMachines<M extends Omit<MachineRows, 'rows'>>(list: M[], wanted: readonly string[] | undefined): M[] {
  if (!wanted) return list
  return list.filter((m) => wanted.includes(m.label) || wanted.includes(m.name) || wanted.includes(m.machineId))
}

/** Labels machines by name, adding the id's first 8 characters where two share a name. */
export function labelMachines<M extends { name: string; machineId: string }>(list: M[]): (M & { label: string })[] {
  const count = new Map<string, number>()
  for (const m of list) count.set(m.name, (count.get(m.name) ?? 0) + 1)
  return list.map((m) => ({ ...m, label: (count.get(m.name) ?? 1) > 1 ? `${m.name} (${m.machineId.slice(0, 8)})` : m.name }))
}

/**
 * A report over several machines' rows, summed by the same report code as a local store (one
 * in-memory store per machine when grouped by machine, else one for all), so days and hours are
 * exact in the viewer's zone and the total equals the sum of the machines' own reports.
 */
export function reportOverMachines(machines: MachineRows[], q: ReportQuery): Report {
  const byMachine = q.groupBy.includes('machine')
  const groups: { label: string; rows: WireRow[] }[] = byMachine ? machines : [{ label: '', rows: machines.flatMap((m) => m.rows) }]
  if (groups.length === 0) groups.push({ label: '', rows: [] })
  const out: ReportRow[] = []
  const unpriced = new Set<string>()
  const totals: Figures = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0, costUsd: 0, unpricedTokens: 0 }
  let costNano = 0
  for (const { label: machine, rows: list } of groups) {
    const store = loadRows(list)
    try {
      const r = runReport(store, q, { machine })
      out.push(...r.rows)
      for (const m of r.unpricedModels) unpriced.add(m)
      totals.input += r.totals.input
      totals.output += r.totals.output
      totals.cacheRead += r.totals.cacheRead
      totals.cacheWrite += r.totals.cacheWrite
      totals.requests += r.totals.requests
      totals.unpricedTokens += r.totals.unpricedTokens
      costNano += Math.round(r.totals.costUsd * 1e9)
    } finally {
      store.close()
    }
  }
  totals.costUsd = costNano / 1e9
  if (byMachine) {
    out.sort((a, b) => {
      for (const d of q.groupBy) {
        const x = a[d] ?? ''
        const y = b[d] ?? ''
        if (x !== y) return x < y ? -1 : 1
      }
      return 0
    })
  }
  return { rows: out, totals, unpricedModels: [...unpriced].sort() }
}

/** An in-memory store holding the given team rows as its aggregates (summed where machines share a key). */
export function loadRows(rows: WireRow[]): Store {
  const store = openStore(':memory:')
  const add = store.db.prepare(`INSERT INTO usage_buckets (bucket_start, source, user_id, agent_id, project, model, ${MEASURE_COLUMNS})
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ${ADD_MEASURES_ON_CONFLICT}`)
  store.db.transaction(() => {
    for (const r of rows) add.run(r)
  })()
  return store
}
