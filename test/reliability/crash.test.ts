import { beforeAll, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { appendFileSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
// The benchmark's generator writes realistic Claude Code trees and knows their exact totals.
import { generateClaudeTree } from '../../bench/gen-claude-tree.mjs'
import { tempDir } from '../helpers/temp'
import { CLI, cliEnv, requireBuild, runCli, startServe } from '../cli/run-cli'

beforeAll(requireBuild)

interface Totals {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
}

function reportTotals(env: NodeJS.ProcessEnv): Totals {
  const r = runCli(['report', '--json', '--group-by', 'source'], env)
  const t = JSON.parse(r.stdout).totals as Totals
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, requests: t.requests }
}

/** Starts `tokenwatch scan` and SIGKILLs it after `ms`; resolves when it is gone. */
function scanKilledAfter(env: NodeJS.ProcessEnv, ms: number): Promise<void> {
  const child = spawn(process.execPath, [CLI, 'scan'], { env, stdio: 'ignore' })
  const timer = setTimeout(() => child.kill('SIGKILL'), ms)
  return new Promise((resolve) => child.once('exit', () => {
    clearTimeout(timer)
    resolve()
  }))
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('crash consistency: SIGKILL at many points never double counts or loses a token', () => {
  it('backfill: 24 kills spread over a scan, then a clean finish, equal the generator\'s exact totals', async () => {
    const dir = tempDir()
    const manifest = generateClaudeTree(join(dir, 'claude'), { bytes: 24 * 1024 * 1024, seed: 7 })
    const env = cliEnv(dir)
    // How long an uninterrupted scan takes here, to spread the kills over it.
    const probeEnv = cliEnv(dir, { TOKENWATCH_HOME: join(dir, 'probe') })
    const t0 = Date.now()
    runCli(['scan'], probeEnv)
    const span = Math.max(200, Date.now() - t0)
    for (let i = 0; i < 24; i++) await scanKilledAfter(env, Math.round((span * (i + 1)) / 25))
    expect(runCli(['scan'], env).code).toBe(0)
    const t = manifest.totals
    expect(reportTotals(env)).toEqual({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, requests: t.requests })
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
    expect(reportTotals(env)).toEqual({ input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, requests: t.requests })
  }, 120_000)

  it('socket: every acknowledged event survives kills; resending is idempotent', async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const N = 3000
    const line = (i: number) => JSON.stringify({ id: `ev-${i}`, sessionId: `s-${i}`, agentId: 'bot', model: 'gpt-5', input: i % 97, output: i % 13, ts: Date.UTC(2026, 5, 1) + i * 1000 }) + '\n'
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
      (JSON.parse(runCli(['report', '--json', '--group-by', 'session'], env).stdout).rows as { session: string }[])
        .map((r) => Number(r.session.slice(2))),
    )
    expect(acked.size).toBeGreaterThan(100)
    expect([...acked].filter((i) => !stored.has(i))).toEqual([])
    // Send everything once more, then check: exactly N events, each once.
    const served = await startServe([], env)
    const payload = Array.from({ length: N }, (_, i) => line(i)).join('')
    writeFileSync(join(dir, 'all.ndjson'), payload)
    const res = await fetch(served.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: payload.slice(0, 900_000) })
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
