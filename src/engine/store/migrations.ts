import type Database from 'better-sqlite3'
import { randomUUID } from 'node:crypto'
import { implicitSessionId } from '../../shared/implicit-session'
import { FINGERPRINT_PREFIX, fingerprintOf } from './fingerprint'

/**
 * Versioned schema migrations, applied in order; `PRAGMA user_version` records the last one.
 * Never edit a released migration: add the next one, and a test that upgrades a populated
 * database of the previous version.
 */
export const MIGRATIONS: readonly ((db: Database.Database) => void)[] = [
  // v1: event ledger, quarter-hour aggregates, sessions, source file offsets, prices, meta.
  (db) => {
    db.exec(`
      CREATE TABLE usage_events (
        key TEXT PRIMARY KEY,
        ts INTEGER NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        session_id TEXT NOT NULL,
        model TEXT NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reported_cost_nusd INTEGER,
        cost_nusd INTEGER
      ) WITHOUT ROWID;
      CREATE INDEX usage_events_ts ON usage_events (ts);
      CREATE INDEX usage_events_session ON usage_events (session_id, ts);

      CREATE TABLE usage_buckets (
        bucket_start INTEGER NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        model TEXT NOT NULL,
        input INTEGER NOT NULL DEFAULT 0,
        output INTEGER NOT NULL DEFAULT 0,
        cache_read INTEGER NOT NULL DEFAULT 0,
        cache_write INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        cost_nusd INTEGER NOT NULL DEFAULT 0,
        unpriced_tokens INTEGER NOT NULL DEFAULT 0,
        unpriced_requests INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (bucket_start, source, user_id, agent_id, project, model)
      ) WITHOUT ROWID;

      CREATE VIEW usage_hourly AS
        SELECT bucket_start - (bucket_start % 3600000) AS hour_start, user_id, agent_id, project, model,
               sum(input) AS input, sum(output) AS output, sum(cache_read) AS cache_read,
               sum(cache_write) AS cache_write, sum(requests) AS requests, sum(cost_nusd) AS cost_nusd,
               sum(unpriced_tokens) AS unpriced_tokens
        FROM usage_buckets
        GROUP BY hour_start, user_id, agent_id, project, model;

      CREATE TABLE sessions (
        source TEXT NOT NULL,
        session_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        parent_session_id TEXT,
        first_ts INTEGER NOT NULL,
        last_ts INTEGER NOT NULL,
        PRIMARY KEY (source, session_id)
      ) WITHOUT ROWID;

      CREATE TABLE source_files (
        path TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime_ms INTEGER NOT NULL,
        ino INTEGER NOT NULL,
        offset INTEGER NOT NULL,
        fingerprint TEXT NOT NULL,
        state TEXT NOT NULL,
        lines INTEGER NOT NULL DEFAULT 0,
        events INTEGER NOT NULL DEFAULT 0,
        skipped INTEGER NOT NULL DEFAULT 0,
        skip_reasons TEXT NOT NULL DEFAULT '{}',
        last_event_ts INTEGER,
        rewrites INTEGER NOT NULL DEFAULT 0,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE prices (
        model TEXT PRIMARY KEY,
        rates TEXT,
        updated_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) WITHOUT ROWID;
    `)
  },
  // v2: what long ranges and the filter pickers need without scanning every quarter-hour:
  // per-zone local-day rollups (built on demand per zone, then kept current by applyBatch) and
  // the distinct values of each dimension.
  (db) => {
    db.exec(`
      CREATE TABLE rollup_zones (
        tz TEXT PRIMARY KEY,
        built_at INTEGER NOT NULL
      ) WITHOUT ROWID;

      CREATE TABLE usage_days (
        tz TEXT NOT NULL,
        day INTEGER NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        model TEXT NOT NULL,
        input INTEGER NOT NULL DEFAULT 0,
        output INTEGER NOT NULL DEFAULT 0,
        cache_read INTEGER NOT NULL DEFAULT 0,
        cache_write INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        cost_nusd INTEGER NOT NULL DEFAULT 0,
        unpriced_tokens INTEGER NOT NULL DEFAULT 0,
        unpriced_requests INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tz, day, source, user_id, agent_id, project, model)
      ) WITHOUT ROWID;

      CREATE TABLE dimension_values (
        dim TEXT NOT NULL,
        value TEXT NOT NULL,
        PRIMARY KEY (dim, value)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO dimension_values (dim, value)
        SELECT 'user', user_id FROM usage_buckets UNION SELECT 'agent', agent_id FROM usage_buckets
        UNION SELECT 'project', project FROM usage_buckets UNION SELECT 'model', model FROM usage_buckets
        UNION SELECT 'source', source FROM usage_buckets;
    `)
  },
  // v3: session spans per (session, user, agent, project, model), so "sessions with a request in
  // this range" is answered for every filter, model included, without grouping the ledger; both
  // span tables indexed by their end; and a model-only copy of the day rollups.
  (db) => {
    db.exec(`
      CREATE TABLE session_spans (
        source TEXT NOT NULL,
        session_id TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        model TEXT NOT NULL,
        first_ts INTEGER NOT NULL,
        last_ts INTEGER NOT NULL,
        PRIMARY KEY (source, session_id, user_id, agent_id, project, model)
      ) WITHOUT ROWID;
      CREATE INDEX session_spans_last ON session_spans (last_ts, first_ts);
      CREATE INDEX sessions_last ON sessions (last_ts, first_ts);
      -- The local-day rollups summed over every dimension but the model: what the dashboard's
      -- default view (no filter but models, split by model) reads for long ranges.
      CREATE TABLE usage_days_model (
        tz TEXT NOT NULL,
        day INTEGER NOT NULL,
        model TEXT NOT NULL,
        input INTEGER NOT NULL DEFAULT 0,
        output INTEGER NOT NULL DEFAULT 0,
        cache_read INTEGER NOT NULL DEFAULT 0,
        cache_write INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0,
        cost_nusd INTEGER NOT NULL DEFAULT 0,
        unpriced_tokens INTEGER NOT NULL DEFAULT 0,
        unpriced_requests INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (tz, day, model)
      ) WITHOUT ROWID;
      INSERT INTO usage_days_model (tz, day, model, input, output, cache_read, cache_write, requests, cost_nusd,
          unpriced_tokens, unpriced_requests)
        SELECT tz, day, model, sum(input), sum(output), sum(cache_read), sum(cache_write), sum(requests), sum(cost_nusd),
          sum(unpriced_tokens), sum(unpriced_requests) FROM usage_days GROUP BY tz, day, model;
      -- Earlier versions left a session's span as first seen when a correction moved a request
      -- out of it: take every span from the ledger again.
      DELETE FROM sessions WHERE NOT EXISTS (SELECT 1 FROM usage_events e WHERE e.session_id = sessions.session_id AND e.source = sessions.source);
      INSERT INTO sessions (source, session_id, user_id, agent_id, project, first_ts, last_ts)
        SELECT source, session_id, min(user_id), min(agent_id), min(project), min(ts), max(ts) FROM usage_events GROUP BY source, session_id
        ON CONFLICT DO UPDATE SET first_ts = excluded.first_ts, last_ts = excluded.last_ts;
      INSERT INTO session_spans (source, session_id, user_id, agent_id, project, model, first_ts, last_ts)
        SELECT source, session_id, user_id, agent_id, project, model, min(ts), max(ts) FROM usage_events
        GROUP BY source, session_id, user_id, agent_id, project, model;
    `)
  },
  // v4: the ledger as a rowid table with a unique index on its key. Keyed by the text key itself
  // (WITHOUT ROWID), every insert of a random key (a UUID, a provider's message id) landed at a
  // random place among full rows, and both secondary indexes carried the key again: commits wrote
  // many more pages than rows. Now rows append in arrival order, the key index holds only key and
  // rowid, and the time and session indexes carry an 8-byte rowid. Same columns, same names.
  (db) => {
    db.exec(`
      CREATE TABLE usage_events_v4 (
        key TEXT NOT NULL,
        ts INTEGER NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        session_id TEXT NOT NULL,
        model TEXT NOT NULL,
        input INTEGER NOT NULL,
        output INTEGER NOT NULL,
        cache_read INTEGER NOT NULL,
        cache_write INTEGER NOT NULL,
        cache_write_1h INTEGER NOT NULL,
        reported_cost_nusd INTEGER,
        cost_nusd INTEGER
      );
      INSERT INTO usage_events_v4 SELECT * FROM usage_events ORDER BY ts, key;
      DROP TABLE usage_events;
      ALTER TABLE usage_events_v4 RENAME TO usage_events;
      CREATE UNIQUE INDEX usage_events_key ON usage_events (key);
      CREATE INDEX usage_events_ts ON usage_events (ts);
      CREATE INDEX usage_events_session ON usage_events (session_id, ts);
    `)
  },
  // v5: what syncing to a team database or a synced folder needs. A stable random machine id; a
  // change sequence per aggregate row (every commit that writes a row stamps it with the next
  // number, so "rows changed since the sink acknowledged N" is one index range); and a tombstone
  // per aggregate row a correction or a re-cost removed, so the sink learns of the removal too.
  // Rows already stored get sequence 1: everything is new to a sink that has acknowledged 0.
  (db) => {
    db.exec(`
      ALTER TABLE usage_buckets ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
      UPDATE usage_buckets SET change_seq = 1;
      CREATE INDEX usage_buckets_seq ON usage_buckets (change_seq);
      CREATE TABLE bucket_drops (
        bucket_start INTEGER NOT NULL,
        source TEXT NOT NULL,
        user_id TEXT NOT NULL,
        agent_id TEXT NOT NULL,
        project TEXT NOT NULL,
        model TEXT NOT NULL,
        change_seq INTEGER NOT NULL,
        PRIMARY KEY (bucket_start, source, user_id, agent_id, project, model)
      ) WITHOUT ROWID;
      CREATE INDEX bucket_drops_seq ON bucket_drops (change_seq);
    `)
    db.prepare("INSERT INTO meta (key, value) VALUES ('change_seq', '1') ON CONFLICT(key) DO NOTHING").run()
    db.prepare("INSERT INTO meta (key, value) VALUES ('machine_id', ?) ON CONFLICT(key) DO NOTHING").run(randomUUID())
  },
  // v6: budget threshold notifications already raised (one per budget, threshold, period, amount).
  (db) => {
    db.exec(`
      CREATE TABLE budget_alerts (
        budget_id TEXT NOT NULL,
        period_start INTEGER NOT NULL,
        threshold REAL NOT NULL,
        amount_nusd INTEGER NOT NULL,
        notified_at INTEGER NOT NULL,
        PRIMARY KEY (budget_id, period_start, threshold, amount_nusd)
      ) WITHOUT ROWID;
    `)
  },
  // v7: the offset fingerprint becomes a SHA-256 of the bytes before the offset, not their hex
  // (the last line of a log could hold a secret). Existing ones are hashed in place, so every
  // file keeps reading from where it was; secure_delete zeroes the space the hex leaves.
  (db) => {
    const before = db.pragma('secure_delete', { simple: true }) as number
    db.pragma('secure_delete = ON')
    db.function('tw_fingerprint_v7', { deterministic: true }, (hex: unknown) =>
      fingerprintOf(Buffer.from(typeof hex === 'string' ? hex : '', 'hex')),
    )
    db.prepare(
      `UPDATE source_files SET fingerprint = tw_fingerprint_v7(fingerprint)
      WHERE fingerprint <> '' AND fingerprint NOT LIKE '${FINGERPRINT_PREFIX}%'`,
    ).run()
    db.pragma(`secure_delete = ${before}`)
  },
  // v8: the OpenTelemetry receiver (src/engine/otlp). What each sending service sent (the
  // Sources panel), the last value of each cumulative metric series (so a re-export counts
  // nothing), and token-metric usage held until it is clear whether per-request events of the
  // same service cover it.
  (db) => {
    db.exec(`
      CREATE TABLE otlp_services (
        service TEXT PRIMARY KEY,
        received INTEGER NOT NULL DEFAULT 0,
        usage INTEGER NOT NULL DEFAULT 0,
        skip_reasons TEXT NOT NULL DEFAULT '{}',
        last_seen_at INTEGER NOT NULL DEFAULT 0,
        last_event_at INTEGER
      ) WITHOUT ROWID;
      CREATE TABLE otlp_series (
        series TEXT PRIMARY KEY,
        start_nano TEXT NOT NULL,
        time_nano TEXT NOT NULL,
        value REAL NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE otlp_held (
        key TEXT PRIMARY KEY,
        service TEXT NOT NULL,
        received_at INTEGER NOT NULL,
        event TEXT NOT NULL
      ) WITHOUT ROWID;
    `)
  },
  // v9: socket and HTTP events that named no session, stored before the implicit-session rule
  // (3 Dec 2026), kept session '': every sender's usage merged into one blank session. They get
  // the session the rule gives a new event (src/shared/implicit-session.ts: one per agent, user
  // and UTC hour), so they join the implicit sessions later events of the same hour are in; the
  // sessions and spans of those ids are taken from the ledger again. Tokens and cost do not
  // move: no aggregate row holds a session, and keys do not contain it.
  (db) => {
    db.function('tw_implicit_session_v9', { deterministic: true }, (agent: unknown, user: unknown, ts: unknown) =>
      implicitSessionId(String(agent), String(user), Number(ts)),
    )
    const blank = "session_id = '' AND source IN ('socket', 'http')"
    db.exec(`
      CREATE TEMP TABLE v9_sessions (source TEXT NOT NULL, session_id TEXT NOT NULL, PRIMARY KEY (source, session_id)) WITHOUT ROWID;
      INSERT OR IGNORE INTO temp.v9_sessions SELECT source, tw_implicit_session_v9(agent_id, user_id, ts) FROM usage_events WHERE ${blank};
      UPDATE usage_events SET session_id = tw_implicit_session_v9(agent_id, user_id, ts) WHERE ${blank};
      DELETE FROM sessions WHERE ${blank};
      DELETE FROM session_spans WHERE ${blank};
      DELETE FROM sessions WHERE (source, session_id) IN (SELECT source, session_id FROM temp.v9_sessions);
      DELETE FROM session_spans WHERE (source, session_id) IN (SELECT source, session_id FROM temp.v9_sessions);
      INSERT INTO session_spans (source, session_id, user_id, agent_id, project, model, first_ts, last_ts)
        SELECT source, session_id, user_id, agent_id, project, model, min(ts), max(ts) FROM usage_events
        WHERE (source, session_id) IN (SELECT source, session_id FROM temp.v9_sessions)
        GROUP BY source, session_id, user_id, agent_id, project, model;
      -- As the sessions projection's rebuild: a session's names are those of its first request.
      INSERT INTO sessions (source, session_id, user_id, agent_id, project, first_ts, last_ts)
        SELECT source, session_id, user_id, agent_id, project, first_ts, last_ts FROM (
          SELECT source, session_id, user_id, agent_id, project, min(ts) AS first_ts,
            (SELECT max(ts) FROM usage_events l WHERE l.source = e.source AND l.session_id = e.session_id) AS last_ts
          FROM usage_events e WHERE (source, session_id) IN (SELECT source, session_id FROM temp.v9_sessions)
          GROUP BY source, session_id);
      DROP TABLE temp.v9_sessions;
    `)
  },
  // v10: pushed lines and items refused (per source and reason), so the Sources panel's counts
  // outlive a restart; they were kept in memory only (src/engine/ingest/refusals.ts).
  (db) => {
    db.exec(`
      CREATE TABLE push_refusals (
        source TEXT NOT NULL,
        reason TEXT NOT NULL,
        count INTEGER NOT NULL,
        PRIMARY KEY (source, reason)
      ) WITHOUT ROWID;
    `)
  },
]

/** Brings `db` to the newest schema; each step commits with its version number. */
export function migrate(db: Database.Database): { from: number; to: number } {
  const from = db.pragma('user_version', { simple: true }) as number
  if (from > MIGRATIONS.length) {
    throw new Error(`database schema v${from} is newer than this Token Watch (v${MIGRATIONS.length}); upgrade the app`)
  }
  for (let v = from; v < MIGRATIONS.length; v++) {
    const step = MIGRATIONS[v]
    if (!step) continue
    db.transaction(() => {
      step(db)
      db.pragma(`user_version = ${v + 1}`)
    })()
  }
  return { from, to: MIGRATIONS.length }
}
