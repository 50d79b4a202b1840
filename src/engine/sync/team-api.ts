import type pg from 'pg'
import { createMachinesApi, type MachinesApi, type MachinesApiOptions, type MachinesSource } from './machines-api'
import { connectTeam } from './pg-sink'
import { TEAM_SCHEMA } from './pg-schema'
import { fetchTeamMachines } from './team-report'
import { redactUrl } from '../../shared/team-url'

export type TeamApiOptions = MachinesApiOptions

/**
 * The team database's fingerprint: every machine's acknowledged change sequence, name and project
 * mode, hashed by the server. A sync that changes any row moves its machine's `acked_seq` (a
 * re-cost, a correction and a project-mode change included), so this one-row answer over the
 * small machines table changes exactly when the team's figures may have. 'none' while no machine
 * has synced (no schema yet, or the schema a first sync has just created).
 */
const VERSION_SQL = `SELECT coalesce(md5(string_agg(machine_id || ':' || acked_seq || ':' || name || ':' || project_mode, ',' ORDER BY machine_id)), 'none') AS v
  FROM ${TEAM_SCHEMA}.machines`

/** The team database as a source of machines' rows, with one kept-open connection for polling. */
export function teamSource(url: string): MachinesSource {
  let client: Promise<pg.Client> | undefined
  const drop = async (): Promise<void> => {
    const c = client
    client = undefined
    await c?.then((x) => x.end()).catch(() => undefined)
  }
  return {
    info: { scope: 'team', label: 'Team', detail: redactUrl(url) },
    load: () => fetchTeamMachines(url),
    async version() {
      client ??= connectTeam(url, 5000)
      try {
        const c = await client
        const r = await c.query<{ v: string }>(VERSION_SQL)
        return r.rows[0]?.v ?? 'none'
      } catch (err) {
        // No schema yet: nothing synced (a later sync creating it is a change).
        if ((err as { code?: string }).code === '42P01') return 'none'
        // Server gone or connection cut: reconnect on the next poll.
        await drop()
        return null
      }
    },
    close: drop,
  }
}

/**
 * The contract over the team database (`serve --team`, the app's "team" view): see
 * createMachinesApi. While a dashboard listens, the machines' change sequences are polled, so it
 * updates when any machine syncs.
 */
export function createTeamApi(url: string, opts: TeamApiOptions = {}): MachinesApi {
  return createMachinesApi(teamSource(url), opts)
}
