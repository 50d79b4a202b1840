import { beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { applyBatch } from '../../src/engine/ingest/apply-batch'
import { openStore } from '../../src/engine/store/open-store'
import { event } from '../engine/ingest/support'
import { tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, runCli } from './run-cli'

beforeAll(requireBuild)

describe('restore treats a store and its WAL as one', () => {
  it('restoring a store set aside after a crash brings back the commits that were still in its WAL', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    // A store as a crash leaves it: its last commits in the -wal file, never checkpointed.
    const live = openStore(join(dir, 'crashed', 'tokenwatch.db'))
    const events = Array.from({ length: 40 }, (_, i) =>
      event(`ext:bot:${i}`, Date.parse('2026-03-01T10:00:00Z') + i * 1000, { source: 'socket', input: 10, output: 1 }),
    )
    applyBatch(live, [{ events }], () => null)
    const aside = join(dir, 'aside.db')
    copyFileSync(live.path, aside)
    copyFileSync(`${live.path}-wal`, `${aside}-wal`)
    expect(statSync(`${aside}-wal`).size).toBeGreaterThan(0)
    live.close()

    const r = runCli(['restore', aside], env)
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(runCli(['report', '--json', '--group-by', 'source'], env).stdout) as {
      totals: { requests: number; input: number }
    }
    expect(j.totals).toMatchObject({ requests: 40, input: 400 })
    // The restored store is one file, and the set-aside one (with its WAL) is untouched.
    const db = join(dir, 'home', 'tokenwatch.db')
    const check = new Database(db, { readonly: true })
    expect(check.prepare('SELECT count(*) AS n FROM usage_events').get()).toEqual({ n: 40 })
    check.close()
    expect(existsSync(`${aside}-wal`)).toBe(true)
  })
})
