/**
 * What the database sources' crash tests share: a child scanner bundled from a test's own entry,
 * killed with SIGKILL after a number of its commits, and a snapshot of a store to compare exactly.
 */
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { buildSync } from 'esbuild'
import type { Store } from '../../src/engine/store/open-store'

const REPO = resolve(__dirname, '..', '..')

/** Bundles `entry` (a script printing `commit` per commit and `done` at the end) into `outfile`. */
export function bundleChild(entry: string, outfile: string): string {
  buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    external: ['better-sqlite3'],
    outfile,
    logLevel: 'silent',
  })
  return outfile
}

/** Runs the bundled child and kills it (SIGKILL) when it reports its `killAfter`th commit. */
export function runKilledAfter(bundle: string, args: string[], killAfter: number): Promise<{ finished: boolean }> {
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

/** The ledger and the aggregates, in a fixed order: two stores that counted the same compare equal. */
export function storeSnapshot(store: Store) {
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
