import { describe, expect, it } from 'vitest'
import { appendFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { eventually } from '../../../helpers/eventually'
import { expectTreeReadExactly, ledgerTotals } from '../../ingest/support'

const SESSION = join('sessions', '%2Fworkspace%2Fapi', '019edf9c-0000-7000-8000-000000000001')
const line = (o: unknown): string => JSON.stringify(o) + '\n'
type U = { input: number; output: number; cacheRead?: number; cacheWrite?: number; models?: Record<string, U> }
const usage = (u: U): Record<string, unknown> => ({
  inputTokens: u.input + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0),
  outputTokens: u.output,
  cachedReadTokens: u.cacheRead ?? 0,
  cacheCreationTokens: u.cacheWrite ?? 0,
  reasoningTokens: 0,
  ...(u.models ? { modelUsage: Object.fromEntries(Object.entries(u.models).map(([m, x]) => [m, usage(x)])) } : {}),
})
const done = (session: string, ms: number, prompt: string | null, u: U) =>
  line({
    timestamp: Math.floor(ms / 1000),
    method: '_x.ai/session/update',
    params: {
      sessionId: session,
      update: { sessionUpdate: 'turn_completed', ...(prompt === null ? {} : { prompt_id: prompt }), usage: usage(u) },
      _meta: { agentTimestampMs: ms },
    },
  })
const chunk = (session: string, total: number) =>
  line({
    method: 'session/update',
    params: { sessionId: session, update: { sessionUpdate: 'agent_message_chunk' }, _meta: { totalTokens: total, promptId: 'x' } },
  })

function grokHome(): string {
  const home = join(tempDir(), 'grok')
  cpSync(join(FIXTURES, 'grok', 'sessions'), join(home, 'sessions'), { recursive: true })
  return home
}

function setup() {
  const home = grokHome()
  const dir = tempDir()
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ env: { GROK_HOME: home }, home: dir }).filter((s) => s.id === 'grok')
  const scan = () => scanLogs(store, sources, () => null, { userId: 'u' })
  return { home, store, sources, scan }
}

describe('grok: turn_completed usage in updates.jsonl', () => {
  it('counts the fixture as its README totals it: per model, a re-emitted turn once (the grown one), the context curve never', async () => {
    const t = setup()
    const s = await t.scan()
    expect(s.errors).toEqual([])
    expect(s.skipReasons).toEqual({ 'malformed-json': 1 })
    expect(ledgerTotals(t.store)).toEqual({ input: 761106, output: 36923, cacheRead: 12094332, cacheWrite: 125, requests: 5 })
    const rows = t.store.db
      .prepare('SELECT key, model, input, output, cache_read AS cr, cache_write AS cw, project FROM usage_events ORDER BY ts, model')
      .all()
    const sid = '019edf9c-0000-7000-8000-000000000001'
    expect(rows).toEqual([
      { key: `grok:${sid}:p1:grok-4.3`, model: 'grok-4.3', input: 759631, output: 36633, cr: 12092032, cw: 0, project: '/workspace/api' },
      { key: `grok:${sid}:p2:grok-4.3`, model: 'grok-4.3', input: 575, output: 80, cr: 200, cw: 25, project: '/workspace/api' },
      { key: `grok:${sid}:p3:grok-4.3`, model: 'grok-4.3', input: 500, output: 150, cr: 1500, cw: 0, project: '/workspace/api' },
      {
        key: `grok:${sid}:p3:grok-code-fast-1`,
        model: 'grok-code-fast-1',
        input: 300,
        output: 50,
        cr: 600,
        cw: 100,
        project: '/workspace/api',
      },
      { key: `grok:${sid}:turn-0:grok-4.3`, model: 'grok-4.3', input: 100, output: 10, cr: 0, cw: 0, project: '/workspace/api' },
    ])
    expect((await t.scan()).filesRead).toBe(0)
  })

  it('day totals against ccusage 20.0.24: equal but for the superseded re-emission of p2, which ccusage adds', async () => {
    const cc = JSON.parse(readFileSync(join(FIXTURES, 'grok', 'ccusage_20.0.24_grok_daily.json'), 'utf8')) as {
      daily: { date: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number }[]
    }
    const t = setup()
    await t.scan()
    const days = runReport(t.store, { tz: 'UTC', groupBy: ['day'], sources: ['grok'] }).rows
    // p2's first record (500 input with 100 cached, 50 output) grew into its second (800 / 200 / 80, 25 cache creation).
    const superseded = { input: 400, output: 50, cacheRead: 100, cacheWrite: 0 }
    expect(
      days.map((r) => [r.day, r.input + superseded.input, r.output + superseded.output, r.cacheRead + superseded.cacheRead, r.cacheWrite]),
    ).toEqual(cc.daily.map((d) => [d.date, d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheCreationTokens]))
  })

  it('finds ~/.grok/sessions by default; modelUsage that does not add up gives the turn whole to its first model; bad records by reason', async () => {
    const dir = tempDir()
    const f = join(dir, '.grok', 'sessions', '%2Fsrv', 's9', 'updates.jsonl')
    mkdirSync(join(f, '..'), { recursive: true })
    writeFileSync(
      f,
      done('s9', Date.UTC(2026, 6, 1, 10), 'a', { input: 100, output: 10, models: { 'grok-4.3': { input: 60, output: 10 } } }) +
        line({
          method: '_x.ai/session/update',
          params: { update: { sessionUpdate: 'turn_completed' }, _meta: { agentTimestampMs: Date.UTC(2026, 6, 1) } },
        }) +
        done('s9', Date.UTC(2026, 6, 1, 11), 'b', { input: -5, output: 1 }) +
        done('s9', Date.UTC(2001, 6, 1, 11), 'c', { input: 5, output: 1 }) +
        chunk('s9', 50000),
    )
    const store = openStore(join(tempDir(), 'tw.db'))
    const sources = createLogSources({ env: {}, home: dir }).filter((s) => s.id === 'grok')
    expect(sources[0]?.roots()).toEqual([join(dir, '.grok', 'sessions')])
    const s = await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(s.skipReasons).toEqual({ 'bad-field': 2, 'implausible-time': 1 })
    // No summary.json: the project is the decoded folder name.
    expect(store.db.prepare('SELECT key, model, input, output, project FROM usage_events').all()).toEqual([
      { key: 'grok:s9:a:grok-4.3', model: 'grok-4.3', input: 100, output: 10, project: '/srv' },
    ])
  })

  it('a generated tree with re-emitted turns, rewrites and bad lines: exact, at once or in steps', async () => {
    const home = join(tempDir(), 'grok')
    const expected = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0 }
    const files: { path: string; lines: string[] }[] = []
    let bad = 0
    let n = 0
    for (let s = 0; s < 6; s++) {
      const id = `g-${s}`
      const lines: string[] = []
      for (let p = 0; p < 20; p++) {
        n++
        const ms = Date.UTC(2026, 6, 1 + s, 9) + p * 60_000
        const a = {
          input: 50 + ((n * 41) % 700),
          output: 1 + ((n * 13) % 120),
          cacheRead: (n * 211) % 9000,
          cacheWrite: n % 6 === 0 ? 40 : 0,
        }
        const b = { input: 10 + ((n * 7) % 90), output: 1 + (n % 9), cacheRead: (n * 17) % 500 }
        const twoModels = p % 4 === 1
        const u: U = twoModels
          ? {
              input: a.input + b.input,
              output: a.output + b.output,
              cacheRead: a.cacheRead + b.cacheRead,
              cacheWrite: a.cacheWrite,
              models: { 'grok-4.3': a, 'grok-code-fast-1': b },
            }
          : { ...a, models: { 'grok-4.3': a } }
        lines.push(chunk(id, 1000 * p))
        // Re-emitted first with smaller, then final figures: the final counts.
        if (p % 5 === 2) lines.push(done(id, ms - 500, `p${p}`, { input: 1, output: 1, models: { 'grok-4.3': { input: 1, output: 1 } } }))
        lines.push(done(id, ms, `p${p}`, u))
        if (p % 7 === 3) {
          lines.push('{"method":"_x.ai/session/update","params":{"update":{"sessionUpdate":"turn_completed","usage":{\n')
          bad++
        }
        expected.input += u.input
        expected.output += u.output
        expected.cacheRead += u.cacheRead ?? 0
        expected.cacheWrite += u.cacheWrite ?? 0
        expected.requests += twoModels ? 2 : 1
      }
      const path = join(home, 'sessions', `%2Fwork%2Fp${s % 2}`, id, 'updates.jsonl')
      mkdirSync(join(path, '..'), { recursive: true })
      files.push({ path, lines })
    }
    const dir = tempDir()
    const sources = createLogSources({ env: { GROK_HOME: home }, home: dir }).filter((x) => x.id === 'grok')
    await expectTreeReadExactly({ sources, files, bad, expected, rewriteKeeps: (l) => !l.endsWith('"usage":{\n'), maxLines: 4 })
  })

  it('live: a turn Grok appends while the engine runs is counted from the file events (no rescan); a restart reads nothing again', async () => {
    const home = grokHome()
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'tw'), HOME: dir, GROK_HOME: home }
    const totals = (e: Engine) => runReport(e.store, { tz: 'UTC', groupBy: [], sources: ['grok'] }).totals
    const engine = await Engine.open({ env })
    try {
      await engine.start()
      expect([totals(engine).requests, totals(engine).input]).toEqual([5, 761106])
      appendFileSync(
        join(home, SESSION, 'updates.jsonl'),
        done('019edf9c-0000-7000-8000-000000000001', Date.UTC(2026, 5, 19, 12), 'p9', { input: 94, output: 6, cacheRead: 1000 }),
      )
      await eventually(() => expect([totals(engine).requests, totals(engine).input]).toEqual([6, 761200]), 10_000)
    } finally {
      await engine.stop()
    }
    const again = await Engine.open({ env, watch: false })
    try {
      await again.start()
      expect(again.lastScan?.filesRead ?? 0).toBe(0)
      expect([totals(again).requests, totals(again).input, totals(again).cacheRead]).toEqual([6, 761200, 12095332])
    } finally {
      await again.stop()
    }
  })
})
