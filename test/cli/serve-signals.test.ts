import { beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
// The benchmark's generator writes realistic Claude Code trees and knows their exact totals.
import { generateClaudeTree } from '../../bench/gen-claude-tree.mjs'
import { tempDir } from '../helpers/temp'
import { CLI, cliEnv, reportTotals, requireBuild, runCli, startServe, storedEvents } from './run-cli'

beforeAll(requireBuild)

/** The store's own check, and its aggregates against its ledger. */
function consistency(dbPath: string): { check: unknown; ledger: unknown; buckets: unknown } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    const sums = 'sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite'
    return {
      check: db.pragma('quick_check', { simple: true }),
      ledger: db.prepare(`SELECT ${sums}, count(*) AS requests FROM usage_events`).get(),
      buckets: db.prepare(`SELECT ${sums}, sum(requests) AS requests FROM usage_buckets`).get(),
    }
  } finally {
    db.close()
  }
}

describe.each<NodeJS.Signals>(['SIGTERM', 'SIGINT'])('tokenwatch serve and %s', (sig) => {
  it(`${sig} during a long backfill flushes, exits 0 and leaves a consistent store that finishes exactly`, async () => {
    const dir = tempDir()
    const manifest = generateClaudeTree(join(dir, 'claude'), { bytes: 24 * 1024 * 1024, seed: 5 })
    // A commit per file, so the backfill is visibly under way when the signal comes.
    const env = cliEnv(dir, { TOKENWATCH_COMMIT_BYTES: '1' })
    const dbPath = join(dir, 'home', 'tokenwatch.db')
    const child = spawn(process.execPath, [CLI, 'serve', '--no-otlp', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (code, signal) => r([code, signal])))
    let atSignal = -1
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        if (child.exitCode !== null) {
          clearInterval(poll)
          reject(new Error(`serve exited before the backfill was under way:\n${out}`))
          return
        }
        const n = storedEvents(dbPath)
        if (n > 0) {
          clearInterval(poll)
          atSignal = n
          child.kill(sig)
          resolve()
        }
      }, 1)
    })
    const [code, signal] = await exited
    expect(atSignal).toBeLessThan(manifest.totals.requests)
    expect({ code, signal }).toEqual({ code: 0, signal: null })
    expect(out).toContain(`${sig}: flushing and closing`)
    expect(out).not.toMatch(/not open|tokenwatch serve:/)
    expect(existsSync(join(dir, 'home', 'ingest.sock'))).toBe(false)
    const c = consistency(dbPath)
    expect(c.check).toBe('ok')
    expect(c.buckets).toEqual(c.ledger)
    // Restarted, it reads on from the committed offsets and ends with the exact totals.
    expect(runCli(['scan'], env).code).toBe(0)
    const t = manifest.totals
    expect(reportTotals(env)).toEqual({
      input: t.input,
      output: t.output,
      cacheRead: t.cacheRead,
      cacheWrite: t.cacheWrite,
      requests: t.requests,
    })
  }, 60_000)

  it(`${sig} just after start-up, while the watcher takes its first walk, still exits 0 promptly`, async () => {
    const dir = tempDir()
    generateClaudeTree(join(dir, 'claude'), { bytes: 8 * 1024 * 1024, seed: 9 })
    const env = cliEnv(dir)
    const child = spawn(process.execPath, [CLI, 'serve', '--no-otlp', '--port', '0'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      // "store" is the last line before the engine starts watching; the handlers are set by then.
      if (/^store /m.test(out) && !child.killed) setTimeout(() => child.kill(sig), 5)
    })
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const t0 = Date.now()
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])))
    expect({ code, signal }).toEqual({ code: 0, signal: null })
    expect(out).toContain(`${sig}: flushing and closing`)
    expect(Date.now() - t0).toBeLessThan(15_000)
    expect(consistency(join(dir, 'home', 'tokenwatch.db')).check).toBe('ok')
  }, 30_000)

  it(`${sig} once serving flushes pushed events, removes the socket and frees the store`, async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const served = await startServe(['--port', '0'], env)
    const emit = runCli(['emit', '--agent', 'bot', '--model', 'gpt-5', '--input', '12', '--output', '3', '--id', `by-${sig}`], env)
    expect(JSON.parse(emit.stdout)).toEqual({ ok: true, id: `by-${sig}` })
    expect(await served.stop(sig)).toBe(0)
    expect(served.out()).toContain(`${sig}: flushing and closing`)
    expect(existsSync(join(dir, 'home', 'ingest.sock'))).toBe(false)
    expect(runCli(['scan'], env).code).toBe(0)
    expect(reportTotals(env)).toEqual({ input: 12, output: 3, cacheRead: 0, cacheWrite: 0, requests: 1 })
  }, 30_000)
})
