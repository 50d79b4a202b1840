import pg from 'pg'
import type { TeamProjects } from '../../shared/contract'
import { machineIdentity } from '../store/changes'
import type { Store } from '../store/open-store'
import { outgoingSince, type TeamRow } from './outgoing'
import { migrateTeamSchema, TEAM_SCHEMA } from './pg-schema'
import { scrub } from '../../shared/team-url'

export interface PgSyncOptions {
  projects: TeamProjects
  /** Connection timeout (default 10 s): a server that does not answer is an error, retried later. */
  connectTimeoutMs?: number
}

export interface PgSyncResult {
  machineId: string
  machine: string
  /** Team rows sent (changed since the server's acknowledgement). */
  sent: number
  /** The change sequence the server now holds for this machine. */
  ackedSeq: number
}

const ROWS_PER_STATEMENT = 1000
const COLUMNS = [
  'machine_id',
  'bucket_start',
  'source',
  'user_id',
  'agent_id',
  'project',
  'model',
  'input',
  'output',
  'cache_read',
  'cache_write',
  'requests',
  'cost_nusd',
  'unpriced_tokens',
  'unpriced_requests',
  'change_seq',
] as const
const SUMS = COLUMNS.slice(7)

/** Opens a client for `url` (TLS from its sslmode parameters); errors never carry the password. */
export async function connectTeam(url: string, connectTimeoutMs = 10_000): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: connectTimeoutMs })
  // A server that goes away mid-sync emits 'error' on the client; the pending query rejects too.
  client.on('error', () => undefined)
  try {
    await client.connect()
  } catch (err) {
    await client.end().catch(() => undefined)
    throw new Error(scrub(`cannot connect to the team database: ${(err as Error).message}`, url))
  }
  return client
}

/**
 * Sends this machine's aggregate rows changed since the server last acknowledged them, as
 * absolute values, and the new acknowledgement, in one transaction: a sync killed half-way
 * leaves the server as it was, a retry sends the same values again, and the machine's row lock
 * makes two syncs of one machine take turns. A row is only ever replaced by one that reflects a
 * newer (or the same) local change, so no order of events can count anything twice.
 */
export async function syncToPostgres(store: Store, url: string, opts: PgSyncOptions): Promise<PgSyncResult> {
  const me = machineIdentity(store)
  const client = await connectTeam(url, opts.connectTimeoutMs)
  try {
    await migrateTeamSchema(client)
    await client.query('BEGIN')
    try {
      await client.query(
        `INSERT INTO ${TEAM_SCHEMA}.machines (machine_id, name, project_mode) VALUES ($1, $2, $3)
        ON CONFLICT (machine_id) DO NOTHING`,
        [me.id, me.name, opts.projects],
      )
      const state = await client.query<{ acked_seq: string; project_mode: string }>(
        `SELECT acked_seq, project_mode FROM ${TEAM_SCHEMA}.machines WHERE machine_id = $1 FOR UPDATE`,
        [me.id],
      )
      let acked = Number(state.rows[0]?.acked_seq ?? 0)
      if (state.rows[0]?.project_mode !== opts.projects) {
        // Projects are named differently now: the old rows' keys no longer match; send all again.
        await client.query(`DELETE FROM ${TEAM_SCHEMA}.buckets WHERE machine_id = $1`, [me.id])
        acked = 0
      }
      const out = outgoingSince(store, acked, opts.projects)
      for (let i = 0; i < out.rows.length; i += ROWS_PER_STATEMENT)
        await upsertRows(client, me.id, out.rows.slice(i, i + ROWS_PER_STATEMENT))
      const ackedSeq = Math.max(acked, out.upTo)
      await client.query(
        `UPDATE ${TEAM_SCHEMA}.machines SET acked_seq = $2, name = $3, project_mode = $4, last_sync = now()
        WHERE machine_id = $1`,
        [me.id, ackedSeq, me.name, opts.projects],
      )
      await client.query('COMMIT')
      return { machineId: me.id, machine: me.name, sent: out.rows.length, ackedSeq }
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    }
  } catch (err) {
    throw new Error(scrub((err as Error).message, url))
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function upsertRows(client: pg.Client, machineId: string, rows: TeamRow[]): Promise<void> {
  const params: unknown[] = []
  const tuples: string[] = []
  for (const r of rows) {
    const base = params.length
    params.push(
      machineId,
      r.bucketStart,
      r.source,
      r.userId,
      r.agentId,
      r.project,
      r.model,
      r.input,
      r.output,
      r.cacheRead,
      r.cacheWrite,
      r.requests,
      r.costNanoUsd,
      r.unpricedTokens,
      r.unpricedRequests,
      r.changeSeq,
    )
    tuples.push(`(${COLUMNS.map((_, i) => `$${base + i + 1}`).join(', ')})`)
  }
  await client.query(
    `INSERT INTO ${TEAM_SCHEMA}.buckets (${COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}
    ON CONFLICT (machine_id, bucket_start, source, user_id, agent_id, project, model) DO UPDATE SET
    ${SUMS.map((c) => `${c} = excluded.${c}`).join(', ')}
    WHERE ${TEAM_SCHEMA}.buckets.change_seq <= excluded.change_seq`,
    params,
  )
}
