import { describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { join, resolve } from 'node:path'
import { build } from 'esbuild'
import { connect, type Ack } from '../../../clients/node/tokenwatch-client.mjs'
import type { IngestProcessReady } from '../../../src/engine/ingest-process/ingest-process'
import { openStore } from '../../../src/engine/store/open-store'
import { tempDir } from '../../helpers/temp'

const REPO = resolve(__dirname, '..', '..', '..')

/** Runs the push path in its own process (bundled like the bench does), so it can be killed. */
async function spawnIngest(dir: string) {
  const entry = join(dir, 'ingest-entry.cjs')
  await build({
    entryPoints: [join(REPO, 'src/engine/ingest-process/bench-entry.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile: entry,
    logLevel: 'error',
  })
  const child = spawn(process.execPath, [entry, join(dir, 'home')], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NODE_PATH: join(REPO, 'node_modules') },
  })
  const ready = await new Promise<IngestProcessReady>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`ingest process exited (${code})`)))
    child.stdout.once('data', (b: Buffer) => ok(JSON.parse(b.toString('utf8').split('\n')[0] ?? '') as IngestProcessReady))
  })
  return { child, ready }
}

describe('durability', () => {
  it('every acknowledged event survives the app being killed mid-stream', async () => {
    const dir = tempDir('tw-crash-')
    const { child, ready } = await spawnIngest(dir)
    const exited = new Promise((r) => child.once('exit', r))
    const tw = await connect({ socketPath: ready.socket })
    const acked: string[] = []
    let killed = false
    const sends: Promise<Ack | null>[] = []
    for (let i = 0; i < 20_000; i++) {
      sends.push(
        tw.send({ id: `k${i}`, agentId: 'crash', model: 'm', input: 1 }).then(
          (ack) => {
            if (ack.ok) acked.push(ack.id)
            if (acked.length >= 5000 && !killed) {
              killed = true
              child.kill('SIGKILL')
            }
            return ack
          },
          () => null,
        ),
      )
    }
    await Promise.all(sends)
    await exited
    expect(child.signalCode).toBe('SIGKILL')
    expect(acked.length).toBeGreaterThanOrEqual(5000)

    const store = openStore(ready.db)
    try {
      const stored = new Set(store.db.prepare('SELECT key FROM usage_events').pluck().all() as string[])
      expect(acked.filter((id) => !stored.has(`ext:crash:${id}`))).toEqual([])
      // Nothing is counted twice or half: aggregates agree with the ledger after recovery.
      const sums = store.db
        .prepare('SELECT (SELECT sum(input) FROM usage_events) AS ledger, (SELECT sum(input) FROM usage_buckets) AS buckets')
        .get()
      expect(sums).toEqual({ ledger: stored.size, buckets: stored.size })
    } finally {
      store.close()
    }
  })
})
