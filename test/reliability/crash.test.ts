import { beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
// The benchmark's generator writes realistic Claude Code trees and knows their exact totals.
import { generateClaudeTree } from '../../bench/gen-claude-tree.mjs'
import { tempDir } from '../helpers/temp'
import { CLI, cliEnv, reportTotals, requireBuild, runCli, startServe, storedEvents } from '../cli/run-cli'

beforeAll(requireBuild)

/**
 * Starts `tokenwatch scan`, SIGKILLs it as soon as the store holds at least `target` events, and
 * resolves with the signal it died of (null if it exited first) and the events it left behind.
 */
function scanKilledAt(
  env: NodeJS.ProcessEnv,
  dbPath: string,
  target: number,
): Promise<{ signal: NodeJS.Signals | null; code: number | null; events: number }> {
  const child = spawn(process.execPath, [CLI, 'scan'], { env, stdio: 'ignore' })
  const poll = setInterval(() => {
    if (child.exitCode === null && storedEvents(dbPath) >= target) child.kill('SIGKILL')
  }, 1)
  return new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      clearInterval(poll)
      resolve({ signal, code, events: storedEvents(dbPath) })
    }),
  )
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('crash consistency: SIGKILL at many points never double counts or loses a token', () => {
  it('backfill: 24 SIGKILLs between the commits of a scan, then a clean finish, equal an uninterrupted run to the token', async () => {
    const dir = tempDir()
    const manifest = generateClaudeTree(join(dir, 'claude'), { bytes: 24 * 1024 * 1024, seed: 7 })
    // One commit per file read (~40 commits) instead of one per 32 MiB: the whole tree would be one.
    const env = cliEnv(dir, { TOKENWATCH_COMMIT_BYTES: '1' })
    const dbPath = join(dir, 'home', 'tokenwatch.db')
    // The uninterrupted reference, with the default (single) commit.
    const probeEnv = cliEnv(dir, { TOKENWATCH_HOME: join(dir, 'probe') })
    expect(runCli(['scan'], probeEnv).code).toBe(0)
    const uninterrupted = reportTotals(probeEnv)
    const final = manifest.totals.requests
    const kills: { signal: NodeJS.Signals | null; code: number | null; events: number }[] = []
    // Kill points spread over the first 85% of the events; the tail leaves the last run work to do.
    for (let i = 0; i < 24; i++) kills.push(await scanKilledAt(env, dbPath, Math.floor((final * 0.85 * i) / 24)))
    // Every run died of the kill, none finished on its own.
    expect(kills.map((k) => [k.signal, k.code])).toEqual(Array(24).fill(['SIGKILL', null]))
    // Each kill left a store partway through the backfill, never losing what an earlier run committed.
    const left = kills.map((k) => k.events)
    expect(left.every((n) => n < final)).toBe(true)
    expect(left).toEqual([...left].sort((a, b) => a - b))
    // Commits are one per file (~40, of uneven size) and a busy machine lets a scan commit the next
    // file or two before the kill lands: 9 to 14 distinct states are seen; 6 still means many points.
    expect(new Set(left).size).toBeGreaterThanOrEqual(6)
    expect(runCli(['scan'], env).code).toBe(0)
    const t = manifest.totals
    expect(uninterrupted).toEqual({
      input: t.input,
      output: t.output,
      cacheRead: t.cacheRead,
      cacheWrite: t.cacheWrite,
      requests: t.requests,
    })
    expect(reportTotals(env)).toEqual(uninterrupted)
  }, 120_000)

  it('live tailing: files appended while serve is killed 10 times end with the exact totals', async () => {
    const dir = tempDir()
    // Lines of a generated tree, replayed into the watched folder bit by bit.
    const source = join(dir, 'source')
    const manifest = generateClaudeTree(source, { bytes: 4 * 1024 * 1024, seed: 11 })
    const files: { rel: string; lines: string[] }[] = []
    const walk = (d: string, rel: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e)
        if (statSync(p).isDirectory()) walk(p, join(rel, e))
        else files.push({ rel: join(rel, e), lines: readFileSync(p, 'utf8').split(/(?<=\n)/) })
      }
    }
    walk(source, '')
    const env = cliEnv(dir)
    const target = join(dir, 'claude')
    const pending = files.map((f) => ({ ...f, at: 0 }))
    const appendSome = (n: number) => {
      for (let k = 0; k < n; k++) {
        const f = pending.find((p) => p.at < p.lines.length)
        if (!f) return false
        const path = join(target, f.rel)
        mkdirSync(join(path, '..'), { recursive: true })
        appendFileSync(path, f.lines.slice(f.at, f.at + 7).join(''))
        f.at += 7
      }
      return true
    }
    for (let round = 0; round < 10; round++) {
      const served = await startServe(['--no-web', '--no-socket'], env)
      appendSome(40)
      await sleep(30 + round * 17)
      appendSome(40)
      await served.stop('SIGKILL')
    }
    while (appendSome(100));
    expect(runCli(['scan'], env).code).toBe(0)
    const t = manifest.totals
    expect(reportTotals(env)).toEqual({
      input: t.input,
      output: t.output,
      cacheRead: t.cacheRead,
      cacheWrite: t.cacheWrite,
      requests: t.requests,
    })
  }, 120_000)

  it('socket: every acknowledged event survives kills; resending is idempotent', async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const N = 3000
    const line = (i: number) =>
      JSON.stringify({
        id: `ev-${i}`,
        sessionId: `s-${i}`,
        agentId: 'bot',
        model: 'gpt-5',
        input: i % 97,
        output: i % 13,
        ts: Date.UTC(2026, 5, 1) + i * 1000,
      }) + '\n'
    const acked = new Set<number>()
    let next = 0
    for (let round = 0; round < 8 && next < N; round++) {
      const served = await startServe(['--no-web'], env)
      const sock = createConnection(join(dir, 'home', 'ingest.sock'))
      let buf = ''
      sock.on('data', (d) => {
        buf += d.toString()
        let nl
        while ((nl = buf.indexOf('\n')) !== -1) {
          const reply = JSON.parse(buf.slice(0, nl)) as { ok: boolean; id: string }
          buf = buf.slice(nl + 1)
          if (reply.ok) acked.add(Number(reply.id.slice(3)))
        }
      })
      sock.on('error', () => undefined)
      await new Promise((r) => sock.once('connect', r))
      // Send a burst, then kill the engine while more is in flight.
      const burst = Math.min(N, next + 600)
      for (let i = next; i < burst; i++) sock.write(line(i))
      await sleep(15 + round * 9)
      await served.stop('SIGKILL')
      sock.destroy()
      // Resume from the first event not acknowledged (earlier unacked ones are resent too).
      next = 0
      while (acked.has(next)) next++
    }
    // Every acknowledged event is in the store after the kills.
    const stored = new Set<number>(
      (JSON.parse(runCli(['report', '--json', '--group-by', 'session'], env).stdout).rows as { session: string }[]).map((r) =>
        Number(r.session.slice(2)),
      ),
    )
    expect(acked.size).toBeGreaterThan(100)
    expect([...acked].filter((i) => !stored.has(i))).toEqual([])
    // Send everything once more, then check: exactly N events, each once.
    const served = await startServe([], env)
    const payload = Array.from({ length: N }, (_, i) => line(i)).join('')
    writeFileSync(join(dir, 'all.ndjson'), payload)
    const res = await fetch(served.ingestUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-ndjson' },
      body: payload.slice(0, 900_000),
    })
    expect(res.status).toBe(200)
    const rest = payload.slice(payload.lastIndexOf('\n', 900_000) + 1)
    if (rest) await fetch(served.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: rest })
    expect(await served.stop()).toBe(0)
    let input = 0
    let output = 0
    for (let i = 0; i < N; i++) {
      input += i % 97
      output += i % 13
    }
    expect(reportTotals(env)).toEqual({ input, output, cacheRead: 0, cacheWrite: 0, requests: N })
  }, 120_000)
})
