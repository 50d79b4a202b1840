import { GROUP_DIMS, type Figures, type GroupDim, type Report, type ReportQuery } from '../shared/contract'
import { SOURCE_IDS } from '../shared/sources'
import type { SourceId } from '../shared/usage'
import { openContext } from '../engine/context'
import { reportedCost, reportToCsv } from '../engine/export/csv'
import { localMachineFilter, runReport } from '../engine/query/report'
import { describeTimeZone, isValidTimeZone, nextDay, startOfLocalDay, systemTimeZone, viewerTimeZone } from '../shared/time-zone'
import { dataDir, dataPaths } from '../engine/paths'
import { loadSettings } from '../engine/settings'
// The team modules (folder-sink too) bring the PostgreSQL client (~25 ms and ~9 MiB of start-up):
// loaded only by the team report, not by every command.
import type { TeamReportQuery } from '../engine/sync/team-report'
import { listOption, parseOptions, UsageError } from './args'
import { formatCents } from '../shared/money'

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/
/** ccusage's compact form: `--since 20261125`. */
const COMPACT_DAY_RE = /^(\d{4})(\d{2})(\d{2})$/

/** The values `--source` takes. */

const isSourceId = (s: string): s is SourceId => (SOURCE_IDS as readonly string[]).includes(s)

/**
 * Parses `--since/--until/--tz/--group-by` and the filters into a report query; without `--tz`,
 * days and hours are in `defaultTz` (the app's rule: the Settings zone, else the system's).
 */
export function reportQueryFromArgs(o: Record<string, string | string[] | boolean | undefined>, defaultTz = systemTimeZone()): ReportQuery {
  const tz = typeof o.tz === 'string' ? o.tz : defaultTz
  if (!isValidTimeZone(tz)) throw new UsageError(`--tz: unknown time zone ${tz}`)
  const groupBy = (listOption(o['group-by'] as string | undefined) ?? ['day']) as GroupDim[]
  for (const d of groupBy)
    if (!GROUP_DIMS.includes(d)) throw new UsageError(`--group-by: unknown dimension ${d} (use ${GROUP_DIMS.join(', ')})`)
  const q: ReportQuery = { tz, groupBy }
  const day = (flag: string): string | undefined => {
    const v = o[flag]
    if (v === undefined) return undefined
    const compact = typeof v === 'string' ? COMPACT_DAY_RE.exec(v) : null
    const iso = compact ? `${compact[1]}-${compact[2]}-${compact[3]}` : v
    if (typeof iso !== 'string' || !DAY_RE.test(iso))
      throw new UsageError(`--${flag}: expected YYYY-MM-DD or YYYYMMDD, got ${JSON.stringify(v)}`)
    return iso
  }
  const since = day('since')
  const until = day('until')
  try {
    if (since) q.from = startOfLocalDay(since, tz)
    if (until) q.to = startOfLocalDay(nextDay(until), tz)
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const users = listOption(o.user as string | string[] | undefined)
  const agents = listOption(o.agent as string | string[] | undefined)
  const projects = listOption(o.project as string | string[] | undefined)
  const models = listOption(o.model as string | string[] | undefined)
  const sources = listOption(o.source as string | string[] | undefined)
  const machines = listOption(o.machine as string | string[] | undefined)
  if (machines) q.machines = machines
  if (users) q.users = users
  if (agents) q.agents = agents
  if (projects) q.projects = projects
  if (models) q.models = models
  if (sources) {
    for (const s of sources) if (!isSourceId(s)) throw new UsageError(`--source: unknown source ${s} (use ${SOURCE_IDS.join(', ')})`)
    q.sources = sources.filter(isSourceId)
  }
  return q
}

/** The `--json` shape: one field per dimension, the figures, cost null when wholly unpriced. */
export function reportToJson(r: Report, groupBy: GroupDim[]): unknown {
  const fig = (f: Figures) => ({
    input: f.input,
    output: f.output,
    cacheRead: f.cacheRead,
    cacheWrite: f.cacheWrite,
    requests: f.requests,
    costUsd: reportedCost(f),
    unpricedTokens: f.unpricedTokens,
  })
  return {
    rows: r.rows.map((row) => ({ ...Object.fromEntries(groupBy.map((d) => [d, row[d]])), ...fig(row) })),
    totals: fig(r.totals),
    unpricedModels: r.unpricedModels,
  }
}

const int = new Intl.NumberFormat('en-US')

function money(f: Figures): string {
  const c = reportedCost(f)
  if (c === null) return 'unpriced'
  // The one rule (src/shared/money.ts): cents, and "<$0.01" rather than $0.00 for a tiny cost.
  const text = formatCents(c)
  return f.unpricedTokens > 0 ? `${text} + unpriced` : text
}

/** A plain-text table for people. */
export function reportToTable(r: Report, groupBy: GroupDim[]): string {
  const head = [...groupBy, 'input', 'output', 'cache read', 'cache write', 'requests', 'cost']
  const line = (labels: string[], f: Figures) => [
    ...labels,
    int.format(f.input),
    int.format(f.output),
    int.format(f.cacheRead),
    int.format(f.cacheWrite),
    int.format(f.requests),
    money(f),
  ]
  const body = r.rows.map((row) =>
    line(
      groupBy.map((d) => row[d] ?? ''),
      row,
    ),
  )
  const total = line(
    groupBy.map((_, i) => (i === 0 ? 'total' : '')),
    r.totals,
  )
  const all = [head, ...body, total]
  const widths = head.map((_, i) => Math.max(...all.map((cells) => (cells[i] ?? '').length)))
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (i < groupBy.length ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  const rule = widths.map((w) => '-'.repeat(w)).join('  ')
  const note = r.unpricedModels.length ? `\nunpriced models (tokens counted, cost unknown): ${r.unpricedModels.join(', ')}\n` : ''
  return [fmt(head), rule, ...body.map(fmt), rule, fmt(total)].join('\n') + '\n' + note
}

type CliZone = { tz: string; from: 'settings' | 'system' | 'flag' }

/** `--tz`, else the app's rule (viewerTimeZone) over the Settings in TOKENWATCH_HOME. */
export function cliTimeZone(o: Record<string, unknown>, env: NodeJS.ProcessEnv): CliZone {
  if (typeof o.tz === 'string') return { tz: o.tz, from: 'flag' }
  return viewerTimeZone(loadSettings(dataPaths(dataDir(env)).settings).timeZone)
}

/** The table's last line: which zone its days and hours are in, and why. */
function zoneLine(zone: CliZone): string {
  return `times in ${describeTimeZone(zone)}\n`
}

/** `tokenwatch report`: sums from the store, grouped and filtered. */
export async function runReportCommand(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, {
    db: { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    tz: { type: 'string' },
    'group-by': { type: 'string' },
    user: { type: 'string', multiple: true },
    agent: { type: 'string', multiple: true },
    project: { type: 'string', multiple: true },
    model: { type: 'string', multiple: true },
    source: { type: 'string', multiple: true },
    json: { type: 'boolean' },
    csv: { type: 'boolean' },
    from: { type: 'string' },
    machine: { type: 'string', multiple: true },
    folder: { type: 'string' },
  })
  if (o.json && o.csv) throw new UsageError('--json and --csv exclude each other')
  const zone = cliTimeZone(o, env)
  if (o.from !== undefined || o.folder !== undefined) return teamReportCommand(o, env, zone)
  const q = reportQueryFromArgs(o, zone.tz)
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    const r = runReport(ctx.store, localMachineFilter(ctx.store, q))
    if (o.json) process.stdout.write(JSON.stringify(reportToJson(r, q.groupBy)) + '\n')
    else if (o.csv) process.stdout.write(reportToCsv(r, q.groupBy))
    else process.stdout.write(reportToTable(r, q.groupBy) + zoneLine(zone))
    return 0
  } finally {
    ctx.close()
  }
}

/** `report --from postgres://…`: the same report over the team database, with the machine dimension and filter. */
async function teamReportCommand(
  o: Record<string, string | string[] | boolean | undefined>,
  env: NodeJS.ProcessEnv,
  zone: CliZone,
): Promise<number> {
  if (o.from !== undefined && o.folder !== undefined) throw new UsageError('--from and --folder exclude each other')
  if (o.db !== undefined && o.folder === undefined) throw new UsageError('--from and --db exclude each other')
  const q = reportQueryFromArgs(o, zone.tz)
  if (q.groupBy.includes('session'))
    throw new UsageError('--group-by session: sessions stay on each machine (the team database and the folder hold quarter-hour rows)')
  const team = await import('../engine/sync/team-report')
  const { teamUrlFrom } = await import('./sync')
  const { myMachines } = await import('../engine/sync/folder-sink')
  const r =
    o.folder !== undefined
      ? folderReport(o.folder as string, o.db as string | undefined, q, env, team, myMachines)
      : await team.teamReport(teamUrlFrom('--from', o.from as string | undefined, env), q)
  const dims = q.groupBy
  if (o.json) process.stdout.write(JSON.stringify(reportToJson(r, dims)) + '\n')
  else if (o.csv) process.stdout.write(reportToCsv(r, dims))
  else process.stdout.write(reportToTable(r, dims) + zoneLine(zone))
  return 0
}

type TeamModule = typeof import('../engine/sync/team-report')

/** `report --folder DIR`: this machine (its store) and the others' newest complete files in DIR. */
function folderReport(
  dir: string,
  db: string | undefined,
  q: TeamReportQuery,
  env: NodeJS.ProcessEnv,
  team: TeamModule,
  myMachines: typeof import('../engine/sync/folder-sink').myMachines,
): ReturnType<TeamModule['reportOverMachines']> {
  const ctx = openContext({ env, writer: false, ...(db ? { dbPath: db } : {}) })
  try {
    const mine = myMachines(ctx.store, dir, ctx.settings.teamProjects)
    for (const s of mine.skipped) process.stderr.write(`skipped ${s.file}: ${s.error}\n`)
    return team.reportOverMachines(team.pickMachines(mine.all, q.machines), q)
  } finally {
    ctx.close()
  }
}
