import type { ClientBase } from 'pg'

/** The team schema's name in the database: everything Token Watch creates lives in it. */
export const TEAM_SCHEMA = 'tokenwatch'

/**
 * Versioned team schema migrations, applied in order under an advisory lock (two machines
 * starting at once cannot both create it); `tokenwatch.schema_version` records the last one.
 * Never edit a released step: add the next one.
 */
const STEPS: readonly string[] = [
  // v1: machines, their quarter-hour rows (absolute values keyed by machine, bucket and names),
  // and the hourly view per machine and user that Grafana or psql reads.
  `CREATE TABLE tokenwatch.machines (
     machine_id text PRIMARY KEY,
     name text NOT NULL,
     -- The change sequence of this machine's store that the rows below reflect (the sink's ack).
     acked_seq bigint NOT NULL DEFAULT 0,
     -- How this machine's projects were named when synced: a change resends every row.
     project_mode text NOT NULL,
     last_sync timestamptz NOT NULL DEFAULT now()
   );
   CREATE TABLE tokenwatch.buckets (
     machine_id text NOT NULL REFERENCES tokenwatch.machines (machine_id) ON DELETE CASCADE,
     bucket_start bigint NOT NULL,           -- UTC quarter-hour start, epoch milliseconds
     source text NOT NULL,
     user_id text NOT NULL,
     agent_id text NOT NULL,
     project text NOT NULL,
     model text NOT NULL,
     input bigint NOT NULL,
     output bigint NOT NULL,
     cache_read bigint NOT NULL,
     cache_write bigint NOT NULL,
     requests bigint NOT NULL,
     cost_nusd bigint NOT NULL,              -- priced cost, integer nano-USD
     unpriced_tokens bigint NOT NULL,
     unpriced_requests bigint NOT NULL,
     change_seq bigint NOT NULL,             -- the machine's change sequence this row reflects
     PRIMARY KEY (machine_id, bucket_start, source, user_id, agent_id, project, model)
   );
   CREATE INDEX buckets_time ON tokenwatch.buckets (bucket_start);
   CREATE VIEW tokenwatch.hourly AS
     SELECT to_timestamp(((b.bucket_start / 3600000) * 3600)::double precision) AS hour,
            b.machine_id, m.name AS machine, b.user_id, b.agent_id, b.project, b.model, b.source,
            sum(b.input)::bigint AS input, sum(b.output)::bigint AS output, sum(b.cache_read)::bigint AS cache_read,
            sum(b.cache_write)::bigint AS cache_write, sum(b.requests)::bigint AS requests,
            sum(b.cost_nusd)::bigint AS cost_nusd, (sum(b.cost_nusd) / 1e9)::numeric(20, 9) AS cost_usd,
            sum(b.unpriced_tokens)::bigint AS unpriced_tokens, sum(b.unpriced_requests)::bigint AS unpriced_requests
     FROM tokenwatch.buckets b JOIN tokenwatch.machines m USING (machine_id)
     WHERE b.requests > 0
     GROUP BY 1, b.machine_id, m.name, b.user_id, b.agent_id, b.project, b.model, b.source;`,
]

/** The newest team schema version this Token Watch knows. */
export const TEAM_SCHEMA_VERSION = STEPS.length

/** Creates or upgrades the team schema; refuses a schema newer than this Token Watch. */
export async function migrateTeamSchema(client: ClientBase): Promise<{ from: number; to: number }> {
  await client.query('BEGIN')
  try {
    // One migrator at a time across every machine (the key is arbitrary but fixed).
    await client.query('SELECT pg_advisory_xact_lock(7158204711)')
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${TEAM_SCHEMA}`)
    await client.query(`CREATE TABLE IF NOT EXISTS ${TEAM_SCHEMA}.schema_version (version integer NOT NULL)`)
    const r = await client.query<{ version: number }>(`SELECT version FROM ${TEAM_SCHEMA}.schema_version`)
    const from = r.rows[0]?.version ?? 0
    if (from > STEPS.length) {
      throw new Error(`team schema v${from} is newer than this Token Watch (v${STEPS.length}); upgrade Token Watch`)
    }
    for (let v = from; v < STEPS.length; v++) await client.query(STEPS[v] as string)
    if (r.rows.length === 0) await client.query(`INSERT INTO ${TEAM_SCHEMA}.schema_version (version) VALUES ($1)`, [STEPS.length])
    else await client.query(`UPDATE ${TEAM_SCHEMA}.schema_version SET version = $1`, [STEPS.length])
    await client.query('COMMIT')
    return { from, to: STEPS.length }
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  }
}
