import { beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs'
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

  it('a backup of a store whose last commits are still in its WAL holds them, as one file', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const live = openStore(join(dir, 'crashed', 'tokenwatch.db'))
    const events = Array.from({ length: 40 }, (_, i) =>
      event(`ext:bot:${i}`, Date.parse('2026-03-01T10:00:00Z') + i * 1000, { source: 'socket', input: 10, output: 1 }),
    )
    applyBatch(live, [{ events }], () => null)
    const aside = join(dir, 'aside', 'tokenwatch.db')
    mkdirSync(join(dir, 'aside'), { mode: 0o700 })
    copyFileSync(live.path, aside)
    copyFileSync(`${live.path}-wal`, `${aside}-wal`)
    live.close()
    // Without its WAL the file alone holds none of them: the backup must read through it.
    const mainOnly = join(dir, 'main-only.db')
    copyFileSync(aside, mainOnly)
    const bare = new Database(mainOnly, { readonly: true })
    expect(bare.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'usage_events'").pluck().get()).toBe(0)
    bare.close()

    const out = join(dir, 'copy.db')
    const r = runCli(['backup', '--db', aside, '--out', out], env)
    expect(r.code, r.stderr).toBe(0)
    expect(existsSync(`${out}-wal`)).toBe(false)
    const copy = new Database(out, { readonly: true })
    expect(copy.prepare('SELECT count(*) AS n, sum(input) AS input FROM usage_events').get()).toEqual({ n: 40, input: 400 })
    copy.close()
  })
})
