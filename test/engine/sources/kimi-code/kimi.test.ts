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

const SESSION = join('sessions', 'wd_neutral-project_0123456789ab', 'session_7f3c9a10-kimi-fixture')
const line = (o: unknown): string => JSON.stringify(o) + '\n'
const usage = (alias: string, time: number, i: number, o: number, cr = 0, cw = 0, scope = 'turn') => ({
  type: 'usage.record',
  model: alias,
  usage: { inputOther: i, output: o, inputCacheRead: cr, inputCacheCreation: cw },
  usageScope: scope,
  time,
})
const request = (alias: string, model: string, time: number) => ({
  type: 'llm.request',
  kind: 'loop',
  model,
  modelAlias: alias,
  turnStep: '0.1',
  time,
})

/** A KIMI_CODE_HOME holding the fixture tree. */
function kimiHome(): string {
  const home = join(tempDir(), 'kimi-code')
  cpSync(join(FIXTURES, 'kimi', 'sessions'), join(home, 'sessions'), { recursive: true })
  return home
}

function setup() {
  const home = kimiHome()
  const dir = tempDir()
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ env: { KIMI_CODE_HOME: home }, home: dir }).filter((s) => s.id === 'kimi-code')
  const scan = () => scanLogs(store, sources, () => null, { userId: 'u' })
  return { home, store, sources, scan }
}

describe('kimi-code: wire.jsonl usage records', () => {
  it('counts the fixture as its README totals it: turn records only, same-millisecond steps both, served models', async () => {
    const t = setup()
    const s = await t.scan()
    expect(s.errors).toEqual([])
    expect(s.skipReasons).toEqual({ 'malformed-json': 1 })
    expect(ledgerTotals(t.store)).toEqual({ input: 2500, output: 560, cacheRead: 28700, cacheWrite: 500, requests: 5 })
    const byModel = t.store.db
      .prepare(
        `SELECT model, sum(input) AS input, sum(output) AS output, sum(cache_read) AS cr, sum(cache_write) AS cw,
      count(*) AS n, min(session_id) AS s, min(project) AS project FROM usage_events GROUP BY model ORDER BY model`,
      )
      .all()
    expect(byModel).toEqual([
      {
        model: 'kimi-k2.6-turbo',
        input: 700,
        output: 90,
        cr: 10000,
        cw: 0,
        n: 1,
        s: '7f3c9a10-kimi-fixture',
        project: '/workspace/neutral-project',
      },
      {
        model: 'kimi-k3',
        input: 1800,
        output: 470,
        cr: 18700,
        cw: 500,
        n: 4,
        s: '7f3c9a10-kimi-fixture',
        project: '/workspace/neutral-project',
      },
    ])
    expect((await t.scan()).filesRead).toBe(0)
  })

  it('day totals equal ccusage 20.0.24 on the same tree', async () => {
    const cc = JSON.parse(readFileSync(join(FIXTURES, 'kimi', 'ccusage_20.0.24_kimi_daily.json'), 'utf8')) as {
      daily: { date: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number }[]
    }
    const t = setup()
    await t.scan()
    const days = runReport(t.store, { tz: 'UTC', groupBy: ['day'], sources: ['kimi-code'] }).rows
    expect(days.map((r) => [r.day, r.input, r.output, r.cacheRead, r.cacheWrite])).toEqual(
      cc.daily.map((d) => [d.date, d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheCreationTokens]),
    )
  })

  it('finds ~/.kimi-code/sessions by default; a missing state.json names the project by its work-dir key', async () => {
    const dir = tempDir()
    const wire = join(dir, '.kimi-code', 'sessions', 'wd_api_0123456789ab', 'session_s1', 'agents', 'main', 'wire.jsonl')
    mkdirSync(join(wire, '..'), { recursive: true })
    writeFileSync(wire, line(request('a', 'kimi-k3', 1782900000000)) + line(usage('a', 1782900001000, 10, 2)))
    const store = openStore(join(tempDir(), 'tw.db'))
    const sources = createLogSources({ env: {}, home: dir }).filter((s) => s.id === 'kimi-code')
    expect(sources[0]?.roots()[0]).toBe(join(dir, '.kimi-code', 'sessions'))
    await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(store.db.prepare('SELECT key, project, model, input FROM usage_events').all()).toEqual([
      { key: 'kimi:s1:main:1782900001000:0', project: 'api', model: 'kimi-k3', input: 10 },
    ])
  })

  it('bad records are skipped by reason; zero records and other scopes are not requests', async () => {
    const t = setup()
    const wire = join(t.home, SESSION, 'agents', 'main', 'wire.jsonl')
    appendFileSync(
      wire,
      line(usage('kimi-code/k3', 1782900100000, -1, 2)) +
        line({ type: 'usage.record', usageScope: 'turn', time: 1782900100000 }) +
        line(usage('kimi-code/k3', 946684800000, 5, 5)) +
        line(usage('kimi-code/k3', 1782900100000, 0, 0)) +
        line(usage('kimi-code/k3', 1782900100000, 9, 9, 0, 0, 'session')) +
        line(usage('kimi-code/k3', 1782900100000, 3, 1)),
    )
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1, 'bad-field': 2, 'implausible-time': 1 })
    // The zero record took ordinal 0 of its millisecond: the real one after it is 1.
    expect(t.store.db.prepare('SELECT key, input FROM usage_events WHERE ts = 1782900100000').all()).toEqual([
      { key: 'kimi:7f3c9a10-kimi-fixture:main:1782900100000:1', input: 3 },
    ])
  })

  it('a generated tree with many agents, same-millisecond bursts, rewritten wires and bad lines: exact, at once or in steps', async () => {
    const home = join(tempDir(), 'kimi-code')
    const expected = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0 }
    const files: { path: string; lines: string[] }[] = []
    let bad = 0
    let n = 0
    for (let s = 0; s < 4; s++) {
      for (const agent of ['main', `agent-${s}`]) {
        const lines = [line({ type: 'metadata', protocol_version: '1.4' })]
        let t = 1782900000000 + s * 3_600_000
        for (let m = 0; m < 25; m++) {
          n++
          if (m % 6 === 0) lines.push(line(request(`alias-${m % 2}`, `model-${m % 2}`, t)))
          if (m % 4 !== 0) t += 1000 + (n % 7) * 100 // every fourth step shares the previous one's millisecond
          const i = 10 + ((n * 31) % 500)
          const o = 1 + ((n * 7) % 80)
          const cr = (n * 53) % 4000
          const cw = n % 5 === 0 ? 100 : 0
          lines.push(line(usage(`alias-${m % 2}`, t, i, o, cr, cw)))
          if (m % 10 === 9) lines.push(line(usage(`alias-${m % 2}`, t + 1, 999, 999, 999, 999, 'session')))
          if (m % 8 === 3) {
            lines.push('{"type":"usage.record","usage":{"inputOther":1\n')
            bad++
          }
          Object.assign(expected, {
            input: expected.input + i,
            output: expected.output + o,
            cacheRead: expected.cacheRead + cr,
            cacheWrite: expected.cacheWrite + cw,
            requests: expected.requests + 1,
          })
        }
        const path = join(home, 'sessions', `wd_p${s}_0123456789ab`, `session_s${s}`, 'agents', agent, 'wire.jsonl')
        mkdirSync(join(path, '..'), { recursive: true })
        files.push({ path, lines })
      }
    }
    const dir = tempDir()
    const sources = createLogSources({ env: { KIMI_CODE_HOME: home }, home: dir }).filter((s) => s.id === 'kimi-code')
    // A wire rewritten whole (same records, bad lines dropped): read again from the start, the same keys, nothing added.
    await expectTreeReadExactly({ sources, files, bad, expected, rewriteKeeps: (l) => !l.includes('"inputOther":1\n'), maxLines: 4 })
  })

  it('live: a usage record appended while the engine runs is counted from the file events (no rescan); a restart reads nothing again', async () => {
    const home = kimiHome()
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'tw'), HOME: dir, KIMI_CODE_HOME: home }
    const wire = join(home, SESSION, 'agents', 'agent-helper', 'wire.jsonl')
    const totals = (e: Engine) => runReport(e.store, { tz: 'UTC', groupBy: [], sources: ['kimi-code'] }).totals
    const engine = await Engine.open({ env })
    try {
      await engine.start()
      expect([totals(engine).requests, totals(engine).input]).toEqual([5, 2500])
      appendFileSync(wire, line(usage('kimi-code/k3', 1782900200000, 77, 7, 100)))
      await eventually(() => expect([totals(engine).requests, totals(engine).input]).toEqual([6, 2577]), 10_000)
    } finally {
      await engine.stop()
    }
    const again = await Engine.open({ env, watch: false })
    try {
      await again.start()
      expect(again.lastScan?.filesRead ?? 0).toBe(0)
      expect([totals(again).requests, totals(again).input, totals(again).cacheRead]).toEqual([6, 2577, 28800])
    } finally {
      await again.stop()
    }
  })
})
