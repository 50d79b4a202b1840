import { describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateClaudeTree } from '../../../bench/gen-claude-tree.mjs'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs, type ScanOptions } from '../../../src/engine/ingest/scan'
import { packEvents, unpackEvents } from '../../../src/engine/ingest/packed-events'
import type { UsageEvent } from '../../../src/shared/usage'
import { FIXTURES, tempDir } from '../../helpers/temp'
import { parseWorkerScript } from '../../helpers/parse-worker'
import { crashCoster } from './crash-coster'
import { claudeLine, codexMeta, codexTokenLine, codexTurn, expectAggregatesMatchLedger, jsonl } from './support'

/** Everything a scan leaves in the store that a reader could see (change numbers aside). */
function snapshot(store: Store) {
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
    dims: store.db.prepare('SELECT * FROM dimension_values ORDER BY 1, 2').all(),
    files: store.db
      .prepare(
        `SELECT path, source, size, mtime_ms, ino, offset, fingerprint, state, lines, events, skipped,
      skip_reasons, last_event_ts, rewrites FROM source_files ORDER BY path`,
      )
      .all(),
  }
}

/** A home with every kind of file: generated Claude Code sessions, Gemini streams and chats, Codex, bad lines. */
function makeHome(dir: string): { claude: string; codex: string; gemini: string } {
  const claude = join(dir, 'claude')
  generateClaudeTree(claude, { bytes: 3 * 1024 * 1024, seed: 11 })
  const odd = join(claude, 'projects', 'odd')
  mkdirSync(odd, { recursive: true })
  // Bad lines the workers must count exactly as the main thread does; a torn last line waits.
  writeFileSync(
    join(odd, 'bad.jsonl'),
    Buffer.concat([
      Buffer.from(
        jsonl([
          claudeLine({ id: 'ok1', ts: '2026-03-01T10:00:00Z', output: 4 }),
          '{"type":"assistant","message":{"usage":',
          JSON.stringify({ type: 'hologram', usage: { input_tokens: 9 } }),
          claudeLine({ id: 'ok1', ts: '2026-03-01T10:00:01Z', output: 9 }),
        ]),
      ),
      Buffer.from([0xff, 0xfe]),
      Buffer.from(`"usage"\n${claudeLine({ id: 'torn', ts: '2026-03-01T10:00:02Z', output: 1 }).slice(0, 40)}`),
    ]),
  )
  // A link to a folder (the read fails on the worker) and a dangling link: each reported for its path.
  mkdirSync(join(dir, 'a-folder'))
  symlinkSync(join(dir, 'a-folder'), join(odd, 'folder.jsonl'))
  symlinkSync(join(dir, 'gone'), join(odd, 'dangling.jsonl'))
  const gemini = join(dir, 'gemini')
  const chats = join(gemini, 'tmp', 'proj', 'chats')
  mkdirSync(chats, { recursive: true })
  copyFileSync(join(FIXTURES, 'gemini', 'agentsview_jsonl_stream.from_test.jsonl'), join(chats, 'session-a.jsonl'))
  copyFileSync(join(FIXTURES, 'gemini', 'agentsview_standard_session.legacy.json'), join(chats, 'session-b.json'))
  const codex = join(dir, 'codex')
  mkdirSync(join(codex, 'sessions'), { recursive: true })
  writeFileSync(
    join(codex, 'sessions', 'rollout-a.jsonl'),
    jsonl([
      codexMeta('2026-03-02T00:00:00Z', 'codex-a'),
      codexTurn('2026-03-02T00:00:00Z', 'gpt-5'),
      codexTokenLine('2026-03-02T00:00:05Z', [100, 40, 7, 1], [100, 40, 7, 1]),
    ]),
  )
  return { claude, codex, gemini }
}

async function scanInto(path: string, home: ReturnType<typeof makeHome>, opts: Partial<ScanOptions>) {
  const store = openStore(path)
  const sources = createLogSources({ claudeConfigDirs: [home.claude], codexHomes: [home.codex], env: { GEMINI_CLI_HOME: home.gemini } })
  const summary = await scanLogs(store, sources, crashCoster, { userId: 'tester', commitBytes: 256 * 1024, ...opts })
  return { store, summary, sources }
}

describe('parse workers', () => {
  it('a backfill read on worker threads stores exactly what the main thread alone stores, and so does the rescan', async () => {
    const dir = tempDir()
    const home = makeHome(join(dir, 'home'))
    const one = await scanInto(join(dir, 'one.db'), home, { workers: 0 })
    const two = await scanInto(join(dir, 'two.db'), home, { workers: 2, workerScript: parseWorkerScript(), workerMinBytes: 0 })
    expect(one.summary.stages.workers).toBe(0)
    expect(two.summary.stages.workers).toBe(2)
    // Every Claude Code and Gemini file but the link to a folder was read on a worker.
    const sizes = two.store.db.prepare('SELECT source, count(*) AS n FROM source_files GROUP BY source ORDER BY source').all()
    expect(sizes).toEqual([
      { source: 'claude-code', n: expect.any(Number) },
      { source: 'codex', n: 1 },
      { source: 'gemini-cli', n: 2 },
    ])
    const claudeFiles = (sizes[0] as { n: number }).n
    expect(two.summary.stages.workerFiles).toBe(claudeFiles + 2)
    expect(one.summary.stages.workerFiles).toBe(0)
    const counts = (s: typeof one.summary) => ({ ...s, hours: [...s.hours].sort(), stages: undefined })
    expect(counts(two.summary)).toEqual(counts(one.summary))
    expect(one.summary.errors.map((e) => [e.path, e.kind])).toEqual([
      [join(home.claude, 'projects', 'odd', 'dangling.jsonl'), 'dangling-link'],
      [join(home.claude, 'projects', 'odd', 'folder.jsonl'), 'unreadable'],
    ])
    expect(one.summary.skipReasons).toEqual({ 'malformed-json': 1, 'unknown-shape': 1, 'invalid-utf8': 1 })
    // Every kind of source took part: Claude Code and Gemini on the workers, Codex here.
    const bySource = one.store.db.prepare('SELECT source, count(*) AS n FROM usage_events GROUP BY source ORDER BY source').all()
    expect(bySource.map((r) => (r as { source: string }).source)).toEqual(['claude-code', 'codex', 'gemini-cli'])
    expect(snapshot(two.store)).toEqual(snapshot(one.store))
    expectAggregatesMatchLedger(two.store)

    // The torn line completes; both stores take it the same way (a grown file read on from its offset).
    appendFileSync(
      join(home.claude, 'projects', 'odd', 'bad.jsonl'),
      claudeLine({ id: 'torn', ts: '2026-03-01T10:00:02Z', output: 1 }).slice(40) + '\n',
    )
    const again = (s: Store) =>
      scanLogs(s, one.sources, crashCoster, { userId: 'tester', workers: 2, workerScript: parseWorkerScript(), workerMinBytes: 0 })
    const r1 = await again(one.store)
    const r2 = await again(two.store)
    expect(r1.inserted).toBe(1)
    expect(r2.inserted).toBe(1)
    expect(snapshot(two.store)).toEqual(snapshot(one.store))
    one.store.close()
    two.store.close()
  })

  it('a worker that dies leaves its files to the main thread: the totals stay exact', async () => {
    const dir = tempDir()
    const home = makeHome(join(dir, 'home'))
    const ref = await scanInto(join(dir, 'ref.db'), home, { workers: 0 })
    // A "worker" that exits at once, as a crashed or unloadable one would.
    const broken = join(dir, 'broken-worker.js')
    writeFileSync(broken, 'process.exit(3)\n')
    const got = await scanInto(join(dir, 'got.db'), home, { workers: 2, workerScript: broken, workerMinBytes: 0 })
    expect(got.summary.stages.workerFiles).toBe(0)
    expect(got.summary.inserted).toBe(ref.summary.inserted)
    expect(snapshot(got.store)).toEqual(snapshot(ref.store))
    ref.store.close()
    got.store.close()
  })

  it('events cross from a worker packed, and come back field for field', () => {
    const base: UsageEvent = {
      key: 'cc:m:r',
      ts: 1_772_000_000_123,
      source: 'claude-code',
      userId: 'ü',
      agentId: 'claude-code',
      project: '/w/ä',
      sessionId: 's',
      model: 'claude-x',
      input: 1,
      output: 2,
      cacheRead: 3,
      cacheWrite: 4,
      cacheWrite1h: 2,
    }
    const events: UsageEvent[] = [
      base,
      { ...base, key: 'cc:n', reportedCostUsd: 0.125, model: '' },
      { ...base, key: 'cc:o', reportedCostUsd: 0, input: 2 ** 52 },
    ]
    expect(unpackEvents(packEvents(events))).toEqual(events)
    expect(unpackEvents(packEvents([]))).toEqual([])
  })
})
