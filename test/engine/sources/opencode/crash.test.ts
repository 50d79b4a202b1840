import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { buildSync } from 'esbuild'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { OpenCodeDb } from './support'

const REPO = resolve(__dirname, '..', '..', '..', '..')

function snapshot(store: Store) {
  return {
    events: store.db.prepare('SELECT * FROM usage_events ORDER BY key').all(),
    buckets: store.db
      .prepare(
        `SELECT bucket_start, source, user_id, agent_id, project, model, input, output, cache_read,
      cache_write, requests FROM usage_buckets ORDER BY 1, 2, 3, 4, 5, 6`,
      )
      .all(),
  }
}

function runChild(bundle: string, args: string[], killAfter: number): Promise<{ finished: boolean }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, ...args], {
      env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let commits = 0
    let finished = false
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      for (const l of chunk.split('\n')) {
        if (l === 'commit' && ++commits === killAfter) child.kill('SIGKILL')
        if (l === 'done') finished = true
      }
    })
    child.on('error', fail)
    child.on('exit', () => done({ finished }))
  })
}

describe('crash consistency on a database source: a scanner killed mid-read resumes to the exact totals', () => {
  it('SIGKILL after several commits of opencode.db, then a rescan, equals one uninterrupted scan', async () => {
    const dir = tempDir()
    const agent = new OpenCodeDb(join(dir, 'oc', 'opencode.db'))
    agent.session('s1')
    agent.bulk('s1', 20_000, Date.parse('2026-03-01T00:00:00Z'))
    const sources = createLogSources({ env: { OPENCODE_DB: agent.path }, home: dir }).filter((s) => s.id === 'opencode')
    const ref = openStore(join(dir, 'ref.db'))
    await scanLogs(ref, sources, () => null, { userId: 'tester' })
    const expected = snapshot(ref)
    ref.close()
    expect(expected.events).toHaveLength(20_000)

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
    const storePath = join(dir, 'crashed.db')
    const kills = []
    for (const killAfter of [2, 3, 2]) kills.push(await runChild(bundle, [storePath, agent.path], killAfter))
    expect(kills.map((k) => k.finished)).toEqual([false, false, false])

    const store = openStore(storePath)
    const partial = store.db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(20_000)
    expectAggregatesMatchLedger(store)
    await scanLogs(store, sources, () => null, { userId: 'tester' })
    expectAggregatesMatchLedger(store)
    expect(snapshot(store)).toEqual(expected)
    store.close()
    agent.close()
  })
})
