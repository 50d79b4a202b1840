/**
 * Pushed usage cannot overflow a sum: a count beyond the per-request bound is refused when it is
 * decoded, and an event that would take the store's totals past 2^53 (tokens or nano-USD) is
 * refused at its commit, each with a reply that says why, counted in the sources panel and never
 * stored. What is stored sums exactly, and the session and report queries answer. A real engine,
 * its real socket and a real HTTP ingest port.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createEngineApi } from '../../src/engine/api'
import { MAX_STORE_SUM } from '../../src/engine/ingest/bounds'
import { Engine } from '../../src/engine/live/engine'
import { startIngestHttp } from '../../src/engine/web/http-ingest'
import { runReport } from '../../src/engine/query/report'
import { listSessions } from '../../src/engine/query/sessions'
import { lineConn } from '../engine/push/helpers'
import { tempDir } from '../helpers/temp'

const T0 = Date.parse('2026-03-01T10:00:00Z')
/** $600 per million output tokens (o1-pro's rate): a billion output tokens cost $600,000. */
const PRICEY = { model: 'pricey-model', input: 150, output: 600 }
const NANO_PER_BILLION_OUT = 1e9 * 600 * 1e3 // 6e14 nano-USD

const stop: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const s of stop.splice(0).reverse()) await s()
})

async function engineWithPrices(): Promise<{ engine: Engine; dir: string }> {
  const dir = tempDir()
  const home = join(dir, 'home')
  mkdirSync(home, { recursive: true })
  writeFileSync(
    join(home, 'settings.json'),
    JSON.stringify({ priceOverrides: [PRICEY, { model: 'absurd-model', input: 1, output: 2_000_000 }] }),
  )
  const claude = join(dir, 'claude')
  mkdirSync(join(claude, 'projects', 'app'), { recursive: true })
  const engine = await Engine.open({
    env: { TOKENWATCH_HOME: home, HOME: dir, CLAUDE_CONFIG_DIR: claude, CODEX_HOME: join(dir, 'codex') },
    watch: false,
    log: () => {},
  })
  await engine.start()
  stop.push(() => engine.stop())
  return { engine, dir }
}

const line = (id: string, model: string, output: number, i = 0) =>
  JSON.stringify({ id, agentId: 'bot', sessionId: 'big', model, output, ts: T0 + i * 1000 }) + '\n'

function stored(engine: Engine): { n: number; output: number | null; cost: number | null } {
  return engine.store.db.prepare('SELECT count(*) AS n, sum(output) AS output, sum(cost_nusd) AS cost FROM usage_events').get() as never
}

describe('bounds on pushed usage', () => {
  it('socket: 16 events of 1e12 output tokens are refused one by one, counted, never stored', async () => {
    const { engine } = await engineWithPrices()
    const path = await engine.openSocket()
    const c = await lineConn(path)
    c.write(Array.from({ length: 16 }, (_, i) => line(`huge-${i}`, 'pricey-model', 1e12, i)).join('') + line('fine', 'pricey-model', 1000))
    const replies = await c.replies(17)
    c.end()
    expect(replies.slice(0, 16)).toEqual(
      Array.from({ length: 16 }, (_, i) => ({
        ok: false,
        id: `huge-${i}`,
        error: 'output: must be at most 1000000000 tokens per request (refused)',
      })),
    )
    expect(replies[16]).toEqual({ ok: true, id: 'fine' })
    expect(stored(engine)).toEqual({ n: 1, output: 1000, cost: 600_000_000 })
    const socket = (await createEngineApi(engine, { socketPath: path }).sourceStatus()).find((s) => s.source === 'socket')
    expect(socket).toMatchObject({ events: 1, skippedLines: 16, skipReasons: { 'too-large': 16 } })
  })

  it("socket: a billion output tokens per event is taken until the store's cost would pass 2^53 nano-USD; the 16th is refused; sums stay exact and sessions answer", async () => {
    const { engine } = await engineWithPrices()
    const path = await engine.openSocket()
    const c = await lineConn(path)
    c.write(Array.from({ length: 16 }, (_, i) => line(`b-${i}`, 'pricey-model', 1e9, i)).join(''))
    const replies = await c.replies(16)
    // 15 × $600,000 = 9.0e15 nano-USD ≤ 2^53 - 1 = 9,007,199,254,740,991 < 16 × 6e14.
    expect(15 * NANO_PER_BILLION_OUT).toBeLessThanOrEqual(MAX_STORE_SUM)
    expect(16 * NANO_PER_BILLION_OUT).toBeGreaterThan(MAX_STORE_SUM)
    expect(replies.slice(0, 15).every((r) => r.ok === true)).toBe(true)
    expect(replies[15]).toEqual({
      ok: false,
      id: 'b-15',
      error:
        "not stored: the store's totals would pass 2^53 (9,007,199,254,740,991 tokens or nano-USD), beyond which sums are no longer exact (refused)",
    })
    // A resend of a stored one is still fine (it adds nothing), and so is a small new one.
    c.write(line('b-3', 'pricey-model', 1e9, 3) + JSON.stringify({ id: 'small', agentId: 'bot', model: 'unpriced-model', input: 5 }) + '\n')
    expect(await c.replies(2)).toEqual([
      { ok: true, id: 'b-3' },
      { ok: true, id: 'small' },
    ])
    c.end()
    expect(stored(engine)).toEqual({ n: 16, output: 15e9, cost: 15 * NANO_PER_BILLION_OUT })
    const r = runReport(engine.store, { tz: 'UTC', groupBy: ['model'] })
    expect(r.totals.output).toBe(15e9)
    expect(r.totals.costUsd).toBe(9_000_000)
    const s = listSessions(engine.store, { tz: 'UTC' })
    expect(s.find((x) => x.sessionId === 'big')).toMatchObject({ requests: 15, costUsd: 9_000_000 })
    const socket = (await createEngineApi(engine, { socketPath: path }).sourceStatus()).find((x) => x.source === 'socket')
    expect(socket).toMatchObject({ skippedLines: 1, skipReasons: { 'too-large': 1 } })
  })

  it('socket: one event whose priced cost is over $1,000,000 is refused, the rest of its commit stored', async () => {
    const { engine } = await engineWithPrices()
    const path = await engine.openSocket()
    const c = await lineConn(path)
    // $2,000,000 per million output tokens: a million output tokens cost $2,000,000.
    c.write(line('dear', 'absurd-model', 1e6) + line('ok', 'absurd-model', 1000))
    expect(await c.replies(2)).toEqual([
      {
        ok: false,
        id: 'dear',
        error: 'not stored: costs $2,000,000 at the price of absurd-model, more than $1,000,000 per request (refused)',
      },
      { ok: true, id: 'ok' },
    ])
    c.end()
    expect(stored(engine)).toEqual({ n: 1, output: 1000, cost: 2000 * 1e9 })
  })

  it('HTTP: per-item refusals beside the stored items; counted under http', async () => {
    const { engine } = await engineWithPrices()
    const http = await startIngestHttp({ writer: engine.writer, userId: 'me', now: () => T0 })
    stop.push(() => http.close())
    const body = [
      { id: 'h1', agentId: 'bot', model: 'pricey-model', output: 2 ** 53 },
      { id: 'h2', agentId: 'bot', model: 'pricey-model', costUsd: 5e6 },
      { id: 'h3', agentId: 'bot', model: 'absurd-model', output: 1e6 },
      { id: 'h4', agentId: 'bot', model: 'pricey-model', output: 10 },
    ]
    const res = await fetch(http.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({
      ok: false,
      accepted: 1,
      rejected: 3,
      results: [
        { ok: false, index: 0, id: 'h1', error: 'output: must be at most 1000000000 tokens per request (refused)' },
        { ok: false, index: 1, id: 'h2', error: 'costUsd: must be at most 1000000 USD per request (refused)' },
        {
          ok: false,
          index: 2,
          id: 'h3',
          error: 'not stored: costs $2,000,000 at the price of absurd-model, more than $1,000,000 per request (refused)',
        },
        { ok: true, id: 'h4' },
      ],
    })
    expect(stored(engine)).toEqual({ n: 1, output: 10, cost: 6_000_000 })
    const status = (await createEngineApi(engine, { httpUrl: http.url }).sourceStatus()).find((x) => x.source === 'http')
    expect(status).toMatchObject({ events: 1, skippedLines: 3, skipReasons: { 'too-large': 3 } })
  })

  it('a log line over the cost bound is skipped and counted in its file as too-large, the others read', async () => {
    const { engine, dir } = await engineWithPrices()
    const file = join(dir, 'claude', 'projects', 'app', 's.jsonl')
    const cc = (id: string, output: number) =>
      JSON.stringify({
        type: 'assistant',
        timestamp: '2026-03-01T10:00:00.000Z',
        sessionId: 's',
        cwd: '/app',
        requestId: `r-${id}`,
        message: {
          id: `m-${id}`,
          model: 'absurd-model',
          usage: { input_tokens: 1, output_tokens: output, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 },
        },
      }) + '\n'
    writeFileSync(file, cc('a', 10) + cc('b', 1e6) + cc('c', 20))
    await engine.rescan()
    expect(stored(engine)).toEqual({ n: 2, output: 30, cost: (1 + 1 + 30 * 2_000_000) * 1e3 })
    const row = engine.store.db.prepare('SELECT events, skipped, skip_reasons FROM source_files').get() as {
      events: number
      skipped: number
      skip_reasons: string
    }
    expect({ ...row, skip_reasons: JSON.parse(row.skip_reasons) as unknown }).toEqual({
      events: 2,
      skipped: 1,
      skip_reasons: { 'too-large': 1 },
    })
  })
})
