import { TEAM_PROJECTS, type TeamProjects } from '../shared/contract'
import { openContext } from '../engine/context'
import { syncToPostgres } from '../engine/sync/pg-sink'
import { checkTeamUrl, redactUrl } from '../shared/team-url'
import { removeOwnConflicts, writeMachineFile } from '../engine/sync/folder-sink'
import { machineIdentity } from '../engine/store/changes'
import { parseOptions, UsageError } from './args'

/** The team database URL: `--to`/`--from`, else TOKENWATCH_TEAM_URL; checked, never printed with its password. */
export function teamUrlFrom(flag: string, value: string | undefined, env: NodeJS.ProcessEnv): string {
  const url = value ?? env.TOKENWATCH_TEAM_URL
  if (!url) throw new UsageError(`${flag}: give a postgres:// URL or set TOKENWATCH_TEAM_URL`)
  const bad = checkTeamUrl(url)
  if (bad) throw new UsageError(`${flag}: ${bad}`)
  return url
}

/** `tokenwatch sync --to postgres://…`: sends this machine's changed quarter-hour rows to the team database once. */
export async function runSync(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, {
    to: { type: 'string' },
    folder: { type: 'string' },
    db: { type: 'string' },
    projects: { type: 'string' },
    json: { type: 'boolean' },
  })
  if (o.folder !== undefined && o.to !== undefined) throw new UsageError('--to and --folder exclude each other')
  const url = o.folder === undefined ? teamUrlFrom('--to', o.to, env) : ''
  if (o.projects !== undefined && !(TEAM_PROJECTS as readonly string[]).includes(o.projects)) {
    throw new UsageError(`--projects: use ${TEAM_PROJECTS.join(', ')}`)
  }
  const ctx = openContext({ env, writer: false, ...(o.db ? { dbPath: o.db } : {}) })
  try {
    const projects = (o.projects as TeamProjects | undefined) ?? ctx.settings.teamProjects
    if (o.folder !== undefined) {
      const w = writeMachineFile(ctx.store, o.folder, projects)
      const gone = removeOwnConflicts(o.folder, machineIdentity(ctx.store).id)
      if (o.json) process.stdout.write(JSON.stringify({ ...w, projects, removedConflicts: gone }) + '\n')
      else
        process.stdout.write(
          `${w.written ? 'wrote' : 'up to date:'} ${w.rows} rows to ${w.file}${gone.length ? ` (removed ${gone.length} conflicted copies of it)` : ''}\n`,
        )
      return 0
    }
    const r = await syncToPostgres(ctx.store, url, { projects })
    if (o.json) process.stdout.write(JSON.stringify({ ...r, to: redactUrl(url), projects }) + '\n')
    else process.stdout.write(`synced ${r.sent} rows of ${r.machine} to ${redactUrl(url)} (up to change ${r.ackedSeq})\n`)
    return 0
  } finally {
    ctx.close()
  }
}
