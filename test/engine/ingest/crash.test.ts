import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { buildSync } from 'esbuild'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { tempDir } from '../../helpers/temp'
import { parseWorkerScript } from '../../helpers/parse-worker'
import { crashCoster } from './crash-coster'
import { claudeLine, codexMeta, codexTokenLine, codexTurn, expectAggregatesMatchLedger, jsonl } from './support'

const REPO = resolve(__dirname, '..', '..', '..')

/** A small deterministic PRNG (mulberry32), so the generated tree is the same every run. */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * About 10 MB of logs: Claude files with streamed lines and messages replayed in other files
 * (sidechains, subagent mirrors), one unpriced model, and Codex rollouts with a fork.
 */
function generateTree(root: string): { claude: string; codex: string } {
  const rand = rng(42)
  const claude = join(root, 'claude')
  const codex = join(root, 'codex')
  const pad = 'p'.repeat(400)
  for (let f = 0; f < 40; f++) {
    const dir = join(claude, 'projects', `proj-${f % 4}`)
    mkdirSync(dir, { recursive: true })
    const lines: string[] = []
    for (let m = 0; m < 120; m++) {
      // Every fifth message of a file is one of file f-1's (a replay): it must count once.
      const id = m % 5 === 0 && f > 0 ? `f${f - 1}m${m}` : `f${f}m${m}`
      const t = Date.parse('2026-03-01T00:00:00Z') + (f * 120 + m) * 61_000
      const streamed = 1 + Math.floor(rand() * 3)
      for (let k = 0; k < streamed; k++) {
        lines.push(
          claudeLine({
            id,
            ts: new Date(t + k * 1000).toISOString(),
            output: 10 + k * 7 + (m % 13),
            input: 3 + (m % 7),
            cacheRead: 1000 + m,
            cacheWrite: m % 3 === 0 ? 200 : 0,
            model: m % 17 === 0 ? 'unpriced-model' : 'claude-sonnet-4-20250514',
            extra: { content: pad },
          }),
        )
      }
    }
    writeFileSync(join(dir, `s${f}.jsonl`), jsonl(lines))
  }
  mkdirSync(join(codex, 'sessions'), { recursive: true })
  for (let s = 0; s < 6; s++) {
    const id = `codex-${s}`
    const lines = [
      codexMeta('2026-03-02T00:00:00Z', id, s % 3 === 2 ? `codex-${s - 1}` : undefined),
      codexTurn('2026-03-02T00:00:00Z', 'gpt-5'),
    ]
    const total = [0, 0, 0, 0]
    for (let turn = 0; turn < 400; turn++) {
      const last = [500 + turn, 400, 20 + (turn % 9), turn % 4]
      for (let i = 0; i < 4; i++) total[i]! += last[i]!
      lines.push(codexTokenLine(new Date(Date.parse('2026-03-02T00:00:00Z') + turn * 30_000).toISOString(), [...total], last))
    }
    writeFileSync(join(codex, 'sessions', `rollout-${id}.jsonl`), jsonl(lines))
  }
  return { claude, codex }
}

function snapshot(store: Store) {
  return {
    events: store.db.prepare('SELECT * FROM usage_events ORDER BY key').all(),
    // Not change_seq: it numbers commits, and a killed run commits more often.
    buckets: store.db
      .prepare(
        `SELECT bucket_start, source, user_id, agent_id, project, model, input, output, cache_read,
      cache_write, requests, cost_nusd, unpriced_tokens, unpriced_requests FROM usage_buckets ORDER BY 1, 2, 3, 4, 5, 6`,
      )
      .all(),
    sessions: store.db.prepare('SELECT * FROM sessions ORDER BY 1, 2').all(),
    offsets: store.db.prepare('SELECT path, offset, fingerprint, state FROM source_files ORDER BY path').all(),
  }
}

/** Runs the child scanner and SIGKILLs it right after its `killAfter`-th commit message. */
function runChild(
  bundle: string,
  args: string[],
  killAfter: number,
  env: Record<string, string> = {},
): Promise<{ commits: number; finished: boolean; bulk: boolean; bulkRun: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: { ...process.env, NODE_PATH: join(REPO, 'node_modules'), ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let commits = 0
    let finished = false
    let bulk = false
    let bulkRun = false
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      for (const l of chunk.split('\n')) {
        if (l === 'commit' && ++commits === killAfter) child.kill('SIGKILL')
        if (l === 'done') finished = true
        if (l === 'bulk') bulk = true
        if (l === 'bulk-run') bulkRun = true
      }
    })
    child.on('error', fail)
    child.on('exit', () => done({ commits, finished, bulk, bulkRun }))
  })
}

describe('crash consistency: a scanner killed mid-scan resumes to the exact totals', () => {
  it('SIGKILL at several points, then a full rescan, equals one uninterrupted scan', async () => {
    const dir = tempDir()
    const { claude, codex } = generateTree(join(dir, 'logs'))
    const sources = createLogSources({ claudeConfigDirs: [claude], codexHomes: [codex] })

    // The reference: one uninterrupted scan in this process.
    const ref = openStore(join(dir, 'ref.db'))
    await scanLogs(ref, sources, crashCoster, { userId: 'tester' })
    const expected = snapshot(ref)
    ref.close()

    const bundle = join(dir, 'child.cjs')
    buildSync({
      entryPoints: [join(__dirname, 'crash-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['better-sqlite3'],
      outfile: bundle,
      logLevel: 'silent',
    })
    const db = join(dir, 'crashed.db')
    const kills = []
    for (const killAfter of [2, 9, 25]) kills.push(await runChild(bundle, [db, claude, codex], killAfter))
    // Each run was killed before it finished (else this test proves less than it claims).
    expect(kills.map((k) => k.finished)).toEqual([false, false, false])

    const store = openStore(db)
    const partial = store.db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(expected.events.length)
    expectAggregatesMatchLedger(store)
    await scanLogs(store, sources, crashCoster, { userId: 'tester' })
    const after = snapshot(store)
    expectAggregatesMatchLedger(store)
    store.close()
    expect(after.events.length).toBe(expected.events.length)
    expect(after).toEqual(expected)
  })

  it('a cold backfill in bulk mode on parse workers, SIGKILLed after its 1st, 4th or 12th commit, resumes (in far-behind bulk mode too, killed once more) to the totals of one uninterrupted scan', async () => {
    const dir = tempDir()
    const { claude, codex } = generateTree(join(dir, 'logs'))
    const sources = createLogSources({ claudeConfigDirs: [claude], codexHomes: [codex] })
    const ref = openStore(join(dir, 'ref.db'))
    await scanLogs(ref, sources, crashCoster, { userId: 'tester', workers: 0, bulk: false })
    const expected = snapshot(ref)
    ref.close()

    const bundle = join(dir, 'child.cjs')
    buildSync({
      entryPoints: [join(__dirname, 'crash-child.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      external: ['better-sqlite3'],
      outfile: bundle,
      logLevel: 'silent',
    })
    for (const killAfter of [1, 4, 12]) {
      // Each from an empty store: the killed run is in bulk mode, reading on two workers.
      const db = join(dir, `crashed-${killAfter}.db`)
      const killed = await runChild(bundle, [db, claude, codex, parseWorkerScript()], killAfter)
      expect(killed).toMatchObject({ finished: false, bulk: true })
      expect(killed.commits).toBeGreaterThanOrEqual(killAfter)
      const store = openStore(db)
      // The store is at a commit: some of the backfill, its aggregates equal to its ledger, and
      // every file's offset matching what was committed (the resumed scan proves it below).
      const partial = store.db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number
      expect(partial).toBeGreaterThan(0)
      expect(partial).toBeLessThan(expected.events.length)
      expectAggregatesMatchLedger(store)
      store.close()
      // The next start is no longer on an empty ledger: it resumes from the offsets, on workers too
      // (in bulk mode again when the store is far behind: forced so after the 1st and 12th commits,
      // killed once more after 3 commits, then run to the end).
      const farBehind = killAfter !== 4
      const resumed = await runChild(bundle, [db, claude, codex, parseWorkerScript()], farBehind ? 3 : Number.POSITIVE_INFINITY, {
        FAR_BEHIND: farBehind ? '1' : '0',
      })
      expect(resumed).toMatchObject({ bulk: false })
      if (farBehind) {
        expect(resumed.commits).toBeGreaterThanOrEqual(1)
        const again = await runChild(bundle, [db, claude, codex, parseWorkerScript()], Number.POSITIVE_INFINITY, { FAR_BEHIND: '1' })
        expect(again).toMatchObject({ finished: true, bulk: false, bulkRun: true })
      } else expect(resumed).toMatchObject({ finished: true, bulkRun: false })
      const after = openStore(db)
      expectAggregatesMatchLedger(after)
      expect(snapshot(after)).toEqual(expected)
      after.close()
    }
  })
})
