import { describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { eventually } from '../../../helpers/eventually'
import { expectTreeReadExactly, ledgerTotals } from '../../ingest/support'
import { CopilotStore } from './support'

const line = (o: unknown): string => JSON.stringify(o) + '\n'
type Usage = { input: number; output: number; cacheRead?: number; cacheWrite?: number }
const start = (sessionId: string, ts: string, cwd = '/work/app') =>
  line({ type: 'session.start', timestamp: ts, data: { sessionId, context: { cwd } } })
const message = (ts: string, out: number) =>
  line({ type: 'assistant.message', timestamp: ts, data: { messageId: `m-${ts}`, content: 'x', outputTokens: out } })
const compaction = (ts: string, success = true) => line({ type: 'session.compaction_complete', timestamp: ts, data: { success } })
/** A shutdown rollup; `input` here is the exclusive part, written cache-inclusive as the CLI does. */
const shutdown = (ts: string, metrics: Record<string, Usage>) =>
  line({
    type: 'session.shutdown',
    timestamp: ts,
    data: {
      shutdownType: 'routine',
      modelMetrics: Object.fromEntries(
        Object.entries(metrics).map(([m, u]) => [
          m,
          {
            requests: { count: 1, cost: 0 },
            usage: {
              inputTokens: u.input + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0),
              outputTokens: u.output,
              cacheReadTokens: u.cacheRead ?? 0,
              cacheWriteTokens: u.cacheWrite ?? 0,
            },
          },
        ]),
      ),
    },
  })

/** A COPILOT_HOME with the three fixture logs under session-state/<name>/events.jsonl. */
function copilotHome(): string {
  const home = join(tempDir(), 'copilot')
  for (const f of readdirSync(join(FIXTURES, 'copilot')).filter((n) => n.endsWith('.events.jsonl'))) {
    const dir = join(home, 'session-state', f.replace('.events.jsonl', ''))
    mkdirSync(dir, { recursive: true })
    copyFileSync(join(FIXTURES, 'copilot', f), join(dir, 'events.jsonl'))
  }
  return home
}

function setup(home = copilotHome()) {
  const dir = tempDir()
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ env: { COPILOT_HOME: home }, home: dir }).filter((s) => s.id === 'copilot-cli')
  const scan = () => scanLogs(store, sources, () => null, { userId: 'u' })
  return { home, store, sources, scan }
}

const rowsOf = (store: Store, session?: string) =>
  store.db
    .prepare(
      `SELECT key, ts, model, input, output, cache_read AS cacheRead, cache_write AS cacheWrite
  FROM usage_events ${session ? 'WHERE session_id = ?' : ''} ORDER BY session_id, ts, key`,
    )
    .all(...(session ? [session] : []))
const Z = (s: string) => Date.parse(s)

describe('copilot-cli: shutdown rollups and the session store', () => {
  it("counts the fixtures as NOTES.md totals them; a resumed session's second, cumulative shutdown counts only its leg", async () => {
    const t = setup()
    const s = await t.scan()
    expect(s.errors).toEqual([])
    expect(s.skipped).toBe(0)
    expect(rowsOf(t.store)).toEqual([
      // resumed: 5.0 M inclusive input in the second rollup holds the first leg's 2.0 M; the session is the latest rollup (not 7.0 M).
      {
        key: 'copilot:cli-session-resume:shutdown:gpt-5.4:1',
        ts: Z('2026-04-08T05:00:05.000Z'),
        model: 'gpt-5.4',
        input: 200000,
        output: 1200,
        cacheRead: 1800000,
        cacheWrite: 0,
      },
      {
        key: 'copilot:cli-session-resume:shutdown:gpt-5.4:2',
        ts: Z('2026-04-08T05:00:10.000Z'),
        model: 'gpt-5.4',
        input: 100000,
        output: 2200,
        cacheRead: 2900000,
        cacheWrite: 0,
      },
      {
        key: 'copilot:cli-session-usage:shutdown:claude-sonnet-4.5:1',
        ts: Z('2026-04-08T05:00:13.000Z'),
        model: 'claude-sonnet-4-5',
        input: 100000,
        output: 8700,
        cacheRead: 2200000,
        cacheWrite: 0,
      },
      {
        key: 'copilot:cli-session-usage:shutdown:gpt-5.4:1',
        ts: Z('2026-04-08T05:00:13.000Z'),
        model: 'gpt-5.4',
        input: 100000,
        output: 32700,
        cacheRead: 4600000,
        cacheWrite: 0,
      },
      {
        key: 'copilot:shut-test:shutdown:claude-sonnet-4.6:1',
        ts: Z('2026-06-15T10:01:00Z'),
        model: 'claude-sonnet-4-6',
        input: 6942,
        output: 7150,
        cacheRead: 873267,
        cacheWrite: 51438,
      },
    ])
    expect(t.store.db.prepare("SELECT DISTINCT project FROM usage_events WHERE session_id = 'shut-test'").pluck().all()).toEqual(['/proj'])
    expect((await t.scan()).filesRead).toBe(0)
  })

  it('day totals equal ccusage 20.0.24 on the same three logs', async () => {
    const cc = JSON.parse(readFileSync(join(FIXTURES, 'copilot', 'ccusage_20.0.24_copilot_daily.json'), 'utf8')) as {
      daily: { date: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number }[]
    }
    const t = setup()
    await t.scan()
    const days = runReport(t.store, { tz: 'UTC', groupBy: ['day'], sources: ['copilot-cli'] }).rows
    expect(days.map((r) => [r.day, r.input, r.output, r.cacheRead, r.cacheWrite])).toEqual(
      cc.daily.map((d) => [d.date, d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheCreationTokens]),
    )
  })

  it('where the store holds the requests, they count at their own times and the rollup adds nothing', async () => {
    const home = copilotHome()
    const db = new CopilotStore(join(home, 'session-store.db'))
    db.session('cli-session-resume', '/home/user/project')
    db.request({
      session: 'cli-session-resume',
      model: 'gpt-5.4',
      at: '2026-04-08T05:00:02.500Z',
      input: 150000,
      output: 700,
      cacheRead: 1000000,
    })
    db.request({
      session: 'cli-session-resume',
      model: 'gpt-5.4',
      at: '2026-04-08T05:00:03.000Z',
      input: 50000,
      output: 500,
      cacheRead: 800000,
    })
    db.request({
      session: 'cli-session-resume',
      model: 'gpt-5.4',
      at: '2026-04-08T05:00:08.000Z',
      input: 100000,
      output: 2200,
      cacheRead: 2900000,
    })
    const t = setup(home)
    const s = await t.scan()
    expect(s.errors).toEqual([])
    const rows = rowsOf(t.store, 'cli-session-resume') as { key: string }[]
    expect(rows.map((r) => r.key)).toEqual([
      `copilot:row:cli-session-resume:1:${Z('2026-04-08T05:00:02.500Z')}`,
      `copilot:row:cli-session-resume:2:${Z('2026-04-08T05:00:03.000Z')}`,
      `copilot:row:cli-session-resume:3:${Z('2026-04-08T05:00:08.000Z')}`,
    ])
    const totals = t.store.db
      .prepare(
        "SELECT sum(input) AS i, sum(output) AS o, sum(cache_read) AS r, min(project) AS p FROM usage_events WHERE session_id = 'cli-session-resume'",
      )
      .get()
    expect(totals).toEqual({ i: 300000, o: 3400, r: 4700000, p: '/home/user/project' })
    db.close()
  })

  it('a store without output_tokens, or adopted mid-session: the rollup supplies exactly what the rows lack, at the shutdown', async () => {
    const home = copilotHome()
    const db = new CopilotStore(join(home, 'session-store.db'), { outputColumn: false })
    // Only the second leg's request is in the store (the store came with a CLI update between the legs).
    db.request({
      session: 'cli-session-resume',
      model: 'gpt-5.4',
      at: '2026-04-08T05:00:08.000Z',
      input: 100000,
      output: 0,
      cacheRead: 2900000,
    })
    // Dotted and dashed names of one model meet; the store names it as the rollup does.
    db.request({
      session: 'cli-session-usage',
      model: 'claude-sonnet-4.5',
      at: '2026-04-08T05:00:09.000Z',
      input: 60000,
      output: 0,
      cacheRead: 2000000,
    })
    const t = setup(home)
    await t.scan()
    expect(rowsOf(t.store, 'cli-session-resume')).toEqual([
      {
        key: 'copilot:cli-session-resume:shutdown:gpt-5.4:1',
        ts: Z('2026-04-08T05:00:05.000Z'),
        model: 'gpt-5.4',
        input: 200000,
        output: 1200,
        cacheRead: 1800000,
        cacheWrite: 0,
      },
      {
        key: `copilot:row:cli-session-resume:1:${Z('2026-04-08T05:00:08.000Z')}`,
        ts: Z('2026-04-08T05:00:08.000Z'),
        model: 'gpt-5.4',
        input: 100000,
        output: 0,
        cacheRead: 2900000,
        cacheWrite: 0,
      },
      {
        key: 'copilot:cli-session-resume:shutdown:gpt-5.4:2',
        ts: Z('2026-04-08T05:00:10.000Z'),
        model: 'gpt-5.4',
        input: 0,
        output: 2200,
        cacheRead: 0,
        cacheWrite: 0,
      },
    ])
    const usage = t.store.db
      .prepare(
        "SELECT model, sum(input) AS i, sum(output) AS o, sum(cache_read) AS r FROM usage_events WHERE session_id = 'cli-session-usage' GROUP BY model ORDER BY model",
      )
      .all()
    expect(usage).toEqual([
      { model: 'claude-sonnet-4-5', i: 100000, o: 8700, r: 2200000 },
      { model: 'gpt-5.4', i: 100000, o: 32700, r: 4600000 },
    ])
    expect(ledgerTotals(t.store)).toMatchObject({ input: 506942, output: 51950, cacheRead: 12373267, cacheWrite: 51438 })
    db.close()
  })

  it('compaction resets the counters: the next rollup counts whole; a lower rollup is a fresh count; bad lines are skipped by reason', async () => {
    const home = join(tempDir(), 'copilot')
    const dir = join(home, 'session-state', 's-compact')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'events.jsonl'),
      start('s-compact', '2026-05-01T09:00:00Z') +
        shutdown('2026-05-01T09:10:00Z', { 'gpt-5.4': { input: 1000, output: 100, cacheRead: 500 } }) +
        compaction('2026-05-01T09:20:00Z', false) + // a failed compaction resets nothing
        shutdown('2026-05-01T09:30:00Z', { 'gpt-5.4': { input: 1500, output: 150, cacheRead: 900 } }) +
        compaction('2026-05-01T09:40:00Z') +
        shutdown('2026-05-01T09:50:00Z', { 'gpt-5.4': { input: 4000, output: 400, cacheRead: 100 } }) +
        shutdown('2026-05-01T10:00:00Z', { 'gpt-5.4': { input: 10, output: 1 } }) + // lower than before: a fresh count
        '{"type":"session.shutdown","data":{"modelMetrics":\n' +
        line({
          type: 'session.shutdown',
          timestamp: '2026-05-01T10:05:00Z',
          data: { modelMetrics: { 'gpt-5.4': { usage: { inputTokens: 'many' } } } },
        }) +
        line({ type: 'session.shutdown', data: { modelMetrics: {} } }) +
        line({ type: 'session.shutdown', timestamp: '2001-05-01T10:05:00Z', data: { modelMetrics: {} } }) +
        message('2026-05-01T10:06:00Z', 5),
    )
    const t = setup(home)
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1, 'bad-field': 2, 'implausible-time': 1 })
    expect(
      (rowsOf(t.store) as { input: number; output: number; cacheRead: number }[]).map((r) => [r.input, r.output, r.cacheRead]),
    ).toEqual([
      [1000, 100, 500],
      [500, 50, 400],
      [4000, 400, 100],
      [10, 1, 0],
    ])
  })

  it('a store that exists but cannot be read: the rollups wait unread (never counted twice), the error is listed', async () => {
    const home = copilotHome()
    writeFileSync(join(home, 'session-store.db'), 'not a database at all, but its bytes are many '.repeat(200))
    const t = setup(home)
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'unreadable-db': 4 })
    expect(s.errors.map((e) => e.path)).toEqual([join(home, 'session-store.db')])
    expect(ledgerTotals(t.store).requests).toBe(0)
  })

  it('a generated tree of resumed, compacted and store-covered sessions with noise and bad lines: exact, at once or in steps', async () => {
    const home = join(tempDir(), 'copilot')
    const db = new CopilotStore(join(home, 'session-store.db'))
    // Rollups fold requests together: tokens are exact, request counts are not compared.
    const expected = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
    const files: { path: string; lines: string[] }[] = []
    let bad = 0
    let n = 0
    for (let s = 0; s < 9; s++) {
      const id = `gen-${s}`
      // 0: no store rows; 1: every request in the store; 2: only the later legs (store adopted mid-session).
      const coverage = s % 3
      const lines = [start(id, '2026-06-01T00:00:00Z', `/work/p${s % 2}`)]
      const cum: Record<string, Required<Usage>> = {}
      let clock = Date.UTC(2026, 5, 1 + s, 8)
      const iso = () => new Date((clock += 7_000)).toISOString()
      for (let leg = 0; leg < 3; leg++) {
        for (let r = 0; r < 6; r++) {
          n++
          const model = r % 3 === 2 ? 'claude-sonnet-4.5' : 'gpt-5.4'
          const u = {
            input: 100 + ((n * 37) % 900),
            output: 1 + ((n * 11) % 300),
            cacheRead: (n * 997) % 20000,
            cacheWrite: n % 4 === 0 ? 250 : 0,
          }
          const at = iso()
          lines.push(message(at, u.output))
          if (n % 7 === 0)
            lines.push(
              line({
                type: 'tool.execution_complete',
                timestamp: at,
                data: { result: { content: '"session.shutdown" in a tool output' } },
              }),
            )
          if (coverage === 1 || (coverage === 2 && leg > 0)) db.request({ session: id, model, at, ...u })
          const c = (cum[model] ??= { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 })
          for (const k of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) c[k] += u[k]
          for (const k of ['input', 'output', 'cacheRead', 'cacheWrite'] as const) expected[k] += u[k]
        }
        if (leg === 1 && s % 2 === 0) {
          // Compaction: the counters restart; requests after it are the next rollup's whole.
          lines.push(shutdown(iso(), cum))
          lines.push(compaction(iso()))
          for (const k of Object.keys(cum)) delete cum[k]
          continue
        }
        lines.push(shutdown(iso(), cum))
        if (s % 4 === 1) {
          lines.push('{"type":"session.shutdown","timestamp":"2026-06-0\n')
          bad++
        }
      }
      const dir = join(home, 'session-state', id)
      mkdirSync(dir, { recursive: true })
      files.push({ path: join(dir, 'events.jsonl'), lines })
    }
    const dir = tempDir()
    const sources = createLogSources({ env: { COPILOT_HOME: home }, home: dir }).filter((x) => x.id === 'copilot-cli')
    // An events log rewritten whole (same events): read again, the same keys, nothing added.
    await expectTreeReadExactly({ sources, files, bad, expected, rewriteKeeps: (l) => !l.startsWith('{"type":"tool'), maxLines: 3 })
    db.close()
  })

  it('live: a shutdown appended and a store row committed while the engine runs are each counted from the file events (no rescan); a restart reads nothing again', async () => {
    const home = copilotHome()
    const db = new CopilotStore(join(home, 'session-store.db'))
    db.session('live', '/work/live')
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'tw'), HOME: dir, COPILOT_HOME: home }
    const totals = (e: Engine) => runReport(e.store, { tz: 'UTC', groupBy: [], sources: ['copilot-cli'] }).totals
    const engine = await Engine.open({ env })
    try {
      await engine.start()
      expect([totals(engine).requests, totals(engine).input]).toEqual([5, 506942])
      appendFileSync(
        join(home, 'session-state', 'agentsview_copilot_test_go_shutdown_totalNanoAiu', 'events.jsonl'),
        shutdown('2026-06-15T11:00:00Z', {
          'claude-sonnet-4.6': { input: 6942 + 58, output: 7150 + 50, cacheRead: 873267, cacheWrite: 51438 },
        }),
      )
      await eventually(() => expect([totals(engine).requests, totals(engine).input]).toEqual([6, 507000]), 10_000)
      db.request({ session: 'live', model: 'gpt-5.4', at: '2026-06-16T08:00:00.000Z', input: 1000, output: 10, cacheRead: 5000 })
      await eventually(() => expect([totals(engine).requests, totals(engine).input]).toEqual([7, 508000]), 10_000)
    } finally {
      await engine.stop()
    }
    const again = await Engine.open({ env, watch: false })
    try {
      await again.start()
      expect(again.lastScan?.filesRead ?? 0).toBe(0)
      expect([totals(again).requests, totals(again).input, totals(again).output]).toEqual([7, 508000, 51950 + 50 + 10])
    } finally {
      await again.stop()
      db.close()
    }
  })
})
