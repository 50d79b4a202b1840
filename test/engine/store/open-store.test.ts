import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { hostname } from 'node:os'
import { currentChangeSeq, machineIdentity, setMachineName } from '../../../src/engine/store/changes'
import { buckets } from '../../../src/engine/projections/buckets'
import { MIGRATIONS, migrate } from '../../../src/engine/store/migrations'
import { getMeta, openStore, setMeta } from '../../../src/engine/store/open-store'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { fingerprintOf } from '../../../src/engine/store/fingerprint'
import { tempDir } from '../../helpers/temp'
import { event, expectAggregatesMatchLedger } from '../ingest/support'

const LATEST = MIGRATIONS.length

function schema(db: Database.Database): { type: string; name: string; sql: string | null }[] {
  return db.prepare("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name").all() as {
    type: string
    name: string
    sql: string | null
  }[]
}

/** Everything a user would lose if a migration went wrong. */
function dump(db: Database.Database): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {}
  for (const t of ['usage_events', 'usage_buckets', 'sessions', 'source_files', 'prices', 'meta']) {
    out[t] = db.prepare(`SELECT * FROM ${t} ORDER BY 1, 2`).all()
  }
  return out
}

/** A dump without what v5 added (the change sequence column, the sequence and machine id in meta). */
function withoutV5(d: Record<string, unknown[]>): Record<string, unknown[]> {
  const drop = new Set(['change_seq', 'machine_id'])
  return {
    ...d,
    usage_buckets: (d.usage_buckets ?? []).map((r) => Object.fromEntries(Object.entries(r as object).filter(([k]) => k !== 'change_seq'))),
    meta: (d.meta ?? []).filter((r) => !drop.has((r as { key: string }).key)),
  }
}

/** A pre-v7 dump as v7 leaves it: every hex fingerprint becomes the SHA-256 of its bytes. */
function hashedFingerprints(d: Record<string, unknown[]>): Record<string, unknown[]> {
  return {
    ...d,
    source_files: (d.source_files ?? []).map((r) => {
      const row = r as { fingerprint: string }
      return { ...row, fingerprint: fingerprintOf(Buffer.from(row.fingerprint, 'hex')) }
    }),
  }
}

/** Builds a database at schema version `v` by running only the first `v` migrations. */
function buildAtVersion(path: string, v: number): void {
  const db = new Database(path)
  for (let i = 0; i < v; i++) {
    const step = MIGRATIONS[i]
    if (!step) throw new Error(`no migration ${i}`)
    step(db)
  }
  db.pragma(`user_version = ${v}`)
  db.close()
}

/** Rows as a v1 database holds them, written with v1's own columns only. */
function populateV1(path: string): void {
  const db = new Database(path)
  const h = Date.parse('2026-01-09T10:00:00Z')
  db.prepare(
    `INSERT INTO usage_events (key, ts, source, user_id, agent_id, project, session_id, model, input, output,
    cache_read, cache_write, cache_write_1h, reported_cost_nusd, cost_nusd) VALUES
    ('cc:msg-1:req-1', ?, 'claude-code', 'u1', 'claude-code', '/p', 's1', 'claude-sonnet-4-20250514', 100, 50, 10, 25, 5, 120000000, 120000000),
    ('codex:s2:10:0:5:0', ?, 'codex', 'u1', 'codex', '/q', 's2', 'mystery-model', 10, 5, 0, 0, 0, NULL, NULL)`,
  ).run(h, h + 600_000)
  db.prepare(
    `INSERT INTO usage_buckets (bucket_start, source, user_id, agent_id, project, model, input, output, cache_read,
    cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests) VALUES
    (?, 'claude-code', 'u1', 'claude-code', '/p', 'claude-sonnet-4-20250514', 100, 50, 10, 25, 1, 120000000, 0, 0),
    (?, 'codex', 'u1', 'codex', '/q', 'mystery-model', 10, 5, 0, 0, 1, 0, 15, 1)`,
  ).run(h, h)
  db.prepare(
    `INSERT INTO sessions (source, session_id, user_id, agent_id, project, parent_session_id, first_ts, last_ts) VALUES
    ('claude-code', 's1', 'u1', 'claude-code', '/p', NULL, ?, ?), ('codex', 's2', 'u1', 'codex', '/q', NULL, ?, ?)`,
  ).run(h, h, h + 600_000, h + 600_000)
  db.prepare(
    `INSERT INTO source_files (path, source, size, mtime_ms, ino, offset, fingerprint, state, lines, events, skipped,
    skip_reasons, last_event_ts, rewrites, updated_at) VALUES
    ('/logs/a.jsonl', 'claude-code', 300, 1, 2, 300, 'abcd', '{"projectDir":"p"}', 3, 1, 1, '{"malformed-json":1}', ?, 0, 5)`,
  ).run(h)
  db.prepare("INSERT INTO prices (model, rates, updated_at) VALUES ('claude-sonnet-4-20250514', '{}', 1)").run()
  db.prepare("INSERT INTO meta (key, value) VALUES ('prices-version', 'snap-1')").run()
  db.close()
}

describe('store: schema and migrations', () => {
  it('a fresh database gets the latest user_version, every table, the hourly view and the ledger indexes', () => {
    const store = openStore(join(tempDir(), 'nested', 'dir', 'tw.db'))
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST)
    const names = schema(store.db).map((o) => `${o.type}:${o.name}`)
    expect(names).toEqual(
      expect.arrayContaining([
        'table:usage_events',
        'table:usage_buckets',
        'table:sessions',
        'table:source_files',
        'table:prices',
        'table:meta',
        'view:usage_hourly',
        'index:usage_events_key',
        'index:usage_events_ts',
        'index:usage_events_session',
      ]),
    )
    store.close()
  })

  it('a populated v3 database gets its ledger as a rowid table on the upgrade to v4: same rows, keys still unique', () => {
    const path = join(tempDir(), 'tw.db')
    buildAtVersion(path, 2)
    populateV1(path)
    const raw = new Database(path)
    MIGRATIONS[2]?.(raw) // v3, over the populated v2 store: its spans come from the ledger
    raw.pragma('user_version = 3')
    const before = hashedFingerprints(dump(raw))
    raw.close()
    const store = openStore(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST)
    // The copied ledger went back into the database file; the WAL is not left as large as it.
    expect(statSync(`${path}-wal`).size).toBe(0)
    expect(withoutV5(dump(store.db))).toEqual(before)
    const ddl = (store.db.prepare("SELECT sql FROM sqlite_master WHERE name = 'usage_events'").get() as { sql: string }).sql
    expect(ddl).not.toMatch(/WITHOUT ROWID/)
    // Rows were copied in time order, so rowids follow the ledger's time.
    expect(store.db.prepare('SELECT key FROM usage_events ORDER BY rowid').raw().all()).toEqual([['cc:msg-1:req-1'], ['codex:s2:10:0:5:0']])
    expect(() => store.db.prepare(`INSERT INTO usage_events SELECT * FROM usage_events WHERE key = 'cc:msg-1:req-1'`).run()).toThrow(
      /UNIQUE/,
    )
    expect(store.db.prepare("EXPLAIN QUERY PLAN SELECT * FROM usage_events WHERE key = 'x'").all()).toEqual([
      expect.objectContaining({ detail: expect.stringContaining('usage_events_key') }),
    ])
    expectAggregatesMatchLedger(store)
    applyBatch(store, [{ events: [event('k-new', '2026-01-09T11:00:00Z')] }], () => 1)
    expectAggregatesMatchLedger(store)
    store.close()
  })

  it('a populated v4 database gets a machine id and change sequence 1 on every aggregate row on the upgrade to v5; commits and re-costs stamp newer ones', () => {
    const path = join(tempDir(), 'tw.db')
    buildAtVersion(path, 4)
    populateV1(path)
    const store = openStore(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST)
    const { id } = machineIdentity(store)
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    const seqs = () => store.db.prepare('SELECT bucket_start, model, change_seq FROM usage_buckets ORDER BY 1, 2').raw().all()
    expect(seqs()).toEqual([
      [1767952800000, 'claude-sonnet-4-20250514', 1],
      [1767952800000, 'mystery-model', 1],
    ])
    expect(currentChangeSeq(store)).toBe(1)
    // A commit stamps only the rows it wrote, with the next number.
    applyBatch(store, [{ events: [event('k-new', '2026-01-09T11:00:00Z', { model: 'mystery-model' })] }], () => null)
    expect(currentChangeSeq(store)).toBe(2)
    expect(seqs()).toEqual([
      [1767952800000, 'claude-sonnet-4-20250514', 1],
      [1767952800000, 'mystery-model', 1],
      [1767956400000, 'mystery-model', 2],
    ])
    // A re-cost of one model rebuilds its rows with a newer number; a row it no longer finds in the
    // ledger (here: one whose events were deleted) leaves a tombstone, the rebuilt ones none.
    store.db.prepare("DELETE FROM usage_events WHERE key = 'k-new'").run()
    buckets.rebuild(store, 'mystery-model')
    expect(seqs()).toEqual([
      [1767952800000, 'claude-sonnet-4-20250514', 1],
      [1767952800000, 'mystery-model', 3],
    ])
    expect(store.db.prepare('SELECT bucket_start, change_seq FROM bucket_drops ORDER BY 1').raw().all()).toEqual([[1767956400000, 3]])
    // The id stays; the name is the host name until renamed.
    setMachineName(store, ' laptop ')
    store.close()
    const again = openStore(path)
    expect(machineIdentity(again)).toEqual({ id, name: 'laptop' })
    setMachineName(again, '')
    expect(machineIdentity(again).name).toBe(hostname())
    again.close()
  })

  it('WAL, synchronous=FULL, a larger WAL before checkpoints and a busy timeout are set on every open', () => {
    const path = join(tempDir(), 'tw.db')
    for (let i = 0; i < 2; i++) {
      const store = openStore(path)
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal')
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2) // FULL
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(10_000)
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(8000)
      store.close()
    }
  })

  it('reopening a current database is a no-op: same version, same schema, same rows', () => {
    const path = join(tempDir(), 'tw.db')
    const a = openStore(path)
    applyBatch(a, [{ events: [event('k1', '2026-03-01T10:07:00Z')] }], () => 123)
    const before = { schema: schema(a.db), rows: dump(a.db) }
    a.close()
    const b = openStore(path)
    expect(migrate(b.db)).toEqual({ from: LATEST, to: LATEST })
    expect({ schema: schema(b.db), rows: dump(b.db) }).toEqual(before)
    b.close()
  })

  it('refuses a database written by a newer Token Watch, with a clear message, and leaves it untouched', () => {
    const path = join(tempDir(), 'tw.db')
    buildAtVersion(path, LATEST)
    const raw = new Database(path)
    raw.pragma(`user_version = ${LATEST + 1}`)
    raw.close()
    expect(() => openStore(path)).toThrow(`database schema v${LATEST + 1} is newer than this Token Watch (v${LATEST}); upgrade the app`)
    const check = new Database(path)
    expect(check.pragma('user_version', { simple: true })).toBe(LATEST + 1)
    check.close()
  })

  it('a populated v1 database opens with every row intact (and upgrades to the latest when there is one)', () => {
    const path = join(tempDir(), 'tw.db')
    buildAtVersion(path, 1)
    populateV1(path)
    const raw = new Database(path)
    const before = hashedFingerprints(dump(raw))
    raw.close()

    const store = openStore(path)
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST)
    // Later migrations may add columns; every v1 column and value must still be there.
    const after = withoutV5(dump(store.db))
    for (const [table, rows] of Object.entries(before)) {
      expect(after[table]).toHaveLength(rows.length)
      rows.forEach((row, i) => expect(after[table]?.[i]).toMatchObject(row as object))
    }
    expectAggregatesMatchLedger(store)
    // v2 filled the pickers' values from the v1 aggregates; v3 the session spans (checked above).
    expect(store.db.prepare('SELECT dim, value FROM dimension_values ORDER BY 1, 2').raw().all()).toEqual([
      ['agent', 'claude-code'],
      ['agent', 'codex'],
      ['model', 'claude-sonnet-4-20250514'],
      ['model', 'mystery-model'],
      ['project', '/p'],
      ['project', '/q'],
      ['source', 'claude-code'],
      ['source', 'codex'],
      ['user', 'u1'],
    ])
    // ...and the upgraded store keeps working: a re-seen key merges into the old record.
    const r = applyBatch(
      store,
      [
        {
          events: [
            event('cc:msg-1:req-1', '2026-01-09T10:00:00Z', {
              input: 100,
              output: 60,
              cacheRead: 10,
              cacheWrite: 25,
              cacheWrite1h: 5,
              project: '/p',
              sessionId: 's1',
              userId: 'u1',
            }),
          ],
        },
      ],
      () => 130_000_000,
    )
    expect(r).toMatchObject({ inserted: 0, updated: 1, duplicates: 1 })
    expectAggregatesMatchLedger(store)
    store.close()
  })

  it('a populated v2 database gets its session spans from the ledger and its model-only day rows on the upgrade to v3', () => {
    const path = join(tempDir(), 'tw.db')
    buildAtVersion(path, 2)
    populateV1(path)
    const raw = new Database(path)
    raw.exec(`INSERT INTO rollup_zones (tz, built_at) VALUES ('UTC', 1);
      INSERT INTO usage_days (tz, day, source, user_id, agent_id, project, model, input, output, cache_read, cache_write,
        requests, cost_nusd, unpriced_tokens, unpriced_requests) VALUES
        ('UTC', 20462, 'claude-code', 'u1', 'claude-code', '/p', 'm', 100, 50, 10, 25, 1, 7, 0, 0),
        ('UTC', 20462, 'codex', 'u1', 'codex', '/q', 'm', 10, 5, 0, 0, 2, 3, 0, 0)`)
    raw.close()
    const store = openStore(path)
    expect(store.db.prepare('SELECT * FROM usage_days_model').raw().all()).toEqual([['UTC', 20462, 'm', 110, 55, 10, 25, 3, 10, 0, 0]])
    expect(store.db.pragma('user_version', { simple: true })).toBe(LATEST)
    expect(store.db.prepare('SELECT source, session_id, model, first_ts, last_ts FROM session_spans ORDER BY 1').raw().all()).toEqual([
      ['claude-code', 's1', 'claude-sonnet-4-20250514', Date.parse('2026-01-09T10:00:00Z'), Date.parse('2026-01-09T10:00:00Z')],
      ['codex', 's2', 'mystery-model', Date.parse('2026-01-09T10:10:00Z'), Date.parse('2026-01-09T10:10:00Z')],
    ])
    expectAggregatesMatchLedger(store)
    store.close()
  })

  it('opening read-only neither creates nor migrates', () => {
    const dir = tempDir()
    expect(() => openStore(join(dir, 'missing.db'), { readonly: true })).toThrow()
    expect(existsSync(join(dir, 'missing.db'))).toBe(false)
    const path = join(dir, 'tw.db')
    openStore(path).close()
    const ro = openStore(path, { readonly: true })
    expect(ro.db.pragma('user_version', { simple: true })).toBe(LATEST)
    expect(() => ro.db.prepare("INSERT INTO meta (key, value) VALUES ('a', 'b')").run()).toThrow(/readonly/)
    ro.close()
  })

  it('meta values round-trip and overwrite', () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    expect(getMeta(store, 'x')).toBeUndefined()
    setMeta(store, 'x', '1')
    setMeta(store, 'x', '2')
    expect(getMeta(store, 'x')).toBe('2')
    store.close()
  })
})
