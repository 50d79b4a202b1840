import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateClaudeTree } from '../../../bench/gen-claude-tree.mjs'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import {
  BulkLoad,
  FAR_BEHIND_BYTES_PER_ROW,
  FAR_BEHIND_MAX_ROWS,
  FAR_BEHIND_MIN_BYTES,
  isFarBehind,
} from '../../../src/engine/ingest/bulk-load'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import type { UsageEvent } from '../../../src/shared/usage'
import { crashCoster } from './crash-coster'
import { claudeLine, expectAggregatesMatchLedger, jsonl, ledgerTotals, makeEnv } from './support'

/** What a scan left, with file paths relative to the env's folder (two envs are compared). */
function snapshot(store: Store, dir: string) {
  const files = store.db
    .prepare('SELECT path, offset, fingerprint, state, lines, events, skipped, skip_reasons, last_event_ts FROM source_files ORDER BY path')
    .all() as { path: string }[]
  return {
    events: store.db.prepare('SELECT * FROM usage_events ORDER BY key').all(),
    buckets: store.db
      .prepare(
        `SELECT bucket_start, source, user_id, agent_id, project, model, input, output, cache_read,
      cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests FROM usage_buckets ORDER BY 1, 2, 3, 4, 5, 6`,
      )
      .all(),
    sessions: store.db.prepare('SELECT * FROM sessions ORDER BY 1, 2').all(),
    spans: store.db.prepare('SELECT * FROM session_spans ORDER BY 1, 2, 3, 4, 5, 6').all(),
    files: files.map((f) => ({ ...f, path: f.path.slice(dir.length) })),
  }
}

const pushed = (id: string, output: number): UsageEvent => ({
  key: `ext:bot:${id}`,
  ts: Date.parse('2026-03-01T10:00:00Z'),
  source: 'socket',
  userId: 'tester',
  agentId: 'bot',
  project: 'p',
  sessionId: 's',
  model: 'm',
  input: 1,
  output,
  cacheRead: 0,
  cacheWrite: 0,
  cacheWrite1h: 0,
})

describe('bulk mode (a backfill into an empty or far-behind ledger)', () => {
  it('stores exactly what the normal path stores, with many small commits and messages replayed across them', async () => {
    const a = makeEnv()
    const b = makeEnv()
    for (const env of [a, b]) {
      generateClaudeTree(join(env.dir, 'claude'), { bytes: 2 * 1024 * 1024, seed: 5 })
      // A message seen again two commits later carrying more: the stored record is corrected.
      const pad = { content: 'x'.repeat(70 * 1024) }
      writeFileSync(
        join(env.claudeProjects, 'app', 'a.jsonl'),
        jsonl([claudeLine({ id: 'x', ts: '2026-03-01T10:00:00Z', output: 5, extra: pad })]),
      )
      writeFileSync(
        join(env.claudeProjects, 'app', 'b.jsonl'),
        jsonl([claudeLine({ id: 'y', ts: '2026-03-01T10:00:00Z', output: 5, extra: pad })]),
      )
      writeFileSync(join(env.claudeProjects, 'app', 'c.jsonl'), jsonl([claudeLine({ id: 'x', ts: '2026-03-01T10:00:01Z', output: 9 })]))
    }
    // Commits of 64 KiB: replays and streamed lines land in other commits than their first sighting.
    const bulk = await a.scan({ commitBytes: 64 * 1024 }, crashCoster)
    const normal = await b.scan({ commitBytes: 64 * 1024, bulk: false }, crashCoster)
    expect(bulk.stages.bulk).toBe(1)
    expect(normal.stages.bulk).toBe(0)
    expect({ ...bulk, stages: 0, hours: [...bulk.hours].sort() }).toEqual({ ...normal, stages: 0, hours: [...normal.hours].sort() })
    expect(bulk.updated).toBe(1)
    expect(snapshot(a.store, a.dir)).toEqual(snapshot(b.store, b.dir))
    expectAggregatesMatchLedger(a.store)
    // A store that holds events is no longer empty: the next scan takes the normal path.
    writeFileSync(join(a.claudeProjects, 'app', 'new.jsonl'), jsonl([claudeLine({ id: 'late', ts: '2026-03-02T10:00:00Z', output: 3 })]))
    const next = await a.scan({}, crashCoster)
    expect(next).toMatchObject({ inserted: 1, stages: { bulk: 0 } })
  })

  it('a store far behind what a scan has to read loads in bulk mode too, against the keys it holds: nothing counted twice, corrections applied', async () => {
    const a = makeEnv()
    const b = makeEnv()
    const pad = { content: 'x'.repeat(70 * 1024) }
    for (const env of [a, b]) {
      // What the store held before: two messages, one of which the backlog carries again with more.
      writeFileSync(
        join(env.claudeProjects, 'app', 'old.jsonl'),
        jsonl([
          claudeLine({ id: 'x', ts: '2026-03-01T10:00:00Z', output: 5 }),
          claudeLine({ id: 'y', ts: '2026-03-01T11:00:00Z', output: 7 }),
        ]),
      )
      expect(await env.scan({}, crashCoster)).toMatchObject({ inserted: 2 })
      // The backlog: a tree, a replay of both old messages (one grown) in another file, and a message streamed across commits.
      generateClaudeTree(join(env.dir, 'claude'), { bytes: 2 * 1024 * 1024, seed: 6 })
      writeFileSync(
        join(env.claudeProjects, 'app', 'replay.jsonl'),
        jsonl([
          claudeLine({ id: 'x', ts: '2026-03-01T10:00:00Z', output: 50, extra: pad }),
          claudeLine({ id: 'y', ts: '2026-03-01T11:00:00Z', output: 7 }),
          claudeLine({ id: 'z', ts: '2026-03-01T12:00:00Z', output: 1, extra: pad }),
        ]),
      )
      writeFileSync(
        join(env.claudeProjects, 'app', 'replay2.jsonl'),
        jsonl([claudeLine({ id: 'z', ts: '2026-03-01T12:00:00Z', output: 4 })]),
      )
    }
    const bulk = await a.scan({ commitBytes: 64 * 1024, bulk: 'always' }, crashCoster)
    const normal = await b.scan({ commitBytes: 64 * 1024, bulk: false }, crashCoster)
    expect(bulk.stages.bulk).toBe(1)
    expect(normal.stages.bulk).toBe(0)
    expect(bulk.inserted).toBeGreaterThan(100)
    expect(bulk.updated).toBe(2)
    expect({ ...bulk, stages: 0, hours: [...bulk.hours].sort() }).toEqual({ ...normal, stages: 0, hours: [...normal.hours].sort() })
    expect(snapshot(a.store, a.dir)).toEqual(snapshot(b.store, b.dir))
    // The old message grown is stored once, with the larger figure; the replayed one is a duplicate.
    expect(bulk.duplicates).toBeGreaterThanOrEqual(3)
    expectAggregatesMatchLedger(a.store)
  })

  it('far behind means at least FAR_BEHIND_MIN_BYTES to read and at most one stored record per FAR_BEHIND_BYTES_PER_ROW of it', () => {
    expect(isFarBehind(1000, FAR_BEHIND_MIN_BYTES)).toBe(true)
    expect(isFarBehind(1000, FAR_BEHIND_MIN_BYTES - 1)).toBe(false)
    expect(isFarBehind(FAR_BEHIND_MIN_BYTES / FAR_BEHIND_BYTES_PER_ROW + 1, FAR_BEHIND_MIN_BYTES)).toBe(false)
    expect(isFarBehind(FAR_BEHIND_MAX_ROWS + 1, 100 * FAR_BEHIND_MAX_ROWS * FAR_BEHIND_BYTES_PER_ROW)).toBe(false)
    const store = openStore(':memory:')
    applyBatch(store, [{ events: [pushed('a', 5), pushed('b', 1)] }], crashCoster)
    expect(BulkLoad.begin(store, 1024 * 1024)).toBeNull()
    const far = BulkLoad.begin(store, FAR_BEHIND_MIN_BYTES)
    expect(far?.size).toBe(2)
    expect(far?.usable()).toBe(true)
    expect([...(far?.lookup(['ext:bot:a', 'ext:bot:c']).keys() ?? [])]).toEqual(['ext:bot:a'])
    store.close()
  })

  it('ends the moment anything else inserts into the ledger: the next commit looks keys up in the store again', () => {
    const store = openStore(':memory:')
    const bulk = BulkLoad.begin(store)
    expect(bulk).not.toBeNull()
    applyBatch(store, [{ events: [pushed('a', 5)] }], crashCoster, Date.now(), undefined, { bulk })
    expect(bulk?.size).toBe(1)
    // Its own key, seen again, is found in memory and merged (larger output wins).
    const again = applyBatch(store, [{ events: [pushed('a', 9)] }], crashCoster, Date.now(), undefined, { bulk })
    expect(again).toMatchObject({ inserted: 0, updated: 1, duplicates: 1 })
    // Another writer's row (no BulkLoad): from now on bulk mode is off, and a key it wrote is found in the store.
    applyBatch(store, [{ events: [pushed('b', 2)] }], crashCoster)
    expect(bulk?.usable()).toBe(false)
    expect(bulk?.size).toBe(0)
    const r = applyBatch(store, [{ events: [pushed('b', 4), pushed('a', 1)] }], crashCoster, Date.now(), undefined, { bulk })
    expect(r).toMatchObject({ inserted: 0, updated: 1, duplicates: 2 })
    expect(ledgerTotals(store)).toMatchObject({ output: 13, requests: 2 })
    expectAggregatesMatchLedger(store)
    store.close()
  })

  it('a commit that fails adds nothing to what bulk mode knows', () => {
    const store = openStore(':memory:')
    const bulk = BulkLoad.begin(store)
    store.db.exec("CREATE TRIGGER no_c AFTER INSERT ON usage_events WHEN NEW.key = 'ext:bot:c' BEGIN SELECT RAISE(ABORT, 'disk full'); END")
    expect(() => applyBatch(store, [{ events: [pushed('d', 1), pushed('c', 1)] }], crashCoster, Date.now(), undefined, { bulk })).toThrow(
      'disk full',
    )
    expect(bulk?.size).toBe(0)
    store.db.exec('DROP TRIGGER no_c')
    const r = applyBatch(store, [{ events: [pushed('d', 1), pushed('c', 1)] }], crashCoster, Date.now(), undefined, { bulk })
    expect(r).toMatchObject({ inserted: 2 })
    expect(bulk?.size).toBe(2)
    store.close()
  })
})
