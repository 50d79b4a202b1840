import { describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { eventually } from '../../../helpers/eventually'
import { expectTreeReadExactly, ledgerTotals } from '../../ingest/support'

const FIXTURE = join(FIXTURES, 'qwen', 'splitrail_qwen_code.jsonl')
const line = (o: unknown): string => JSON.stringify(o) + '\n'

/** A QWEN_DATA_DIR with the fixture chat under projects/<project>/chats/. */
function qwenHome(): { home: string; chats: string } {
  const home = join(tempDir(), 'qwen')
  const chats = join(home, 'projects', '-tmp-qwentest', 'chats')
  mkdirSync(chats, { recursive: true })
  copyFileSync(FIXTURE, join(chats, '69f0814a-8bfc-4c8e-93d3-05757f17b96f.jsonl'))
  return { home, chats }
}

function setup(env?: NodeJS.ProcessEnv) {
  const { home, chats } = qwenHome()
  const dir = tempDir()
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ env: env ?? { QWEN_DATA_DIR: home }, home: dir }).filter((s) => s.id === 'qwen-code')
  const scan = () => scanLogs(store, sources, () => null, { userId: 'u' })
  return { home, chats, dir, store, sources, scan }
}

/** An assistant record as Qwen Code writes it, and the ui_telemetry copy of the same call. */
function call(o: {
  uuid: string
  session: string
  ts: string
  prompt: number
  out: number
  cached?: number
  thoughts?: number
  total?: number
  model?: string
}): string {
  const cached = o.cached ?? 0
  const thoughts = o.thoughts ?? 0
  const telemetry = {
    uuid: `${o.uuid}-t`,
    sessionId: o.session,
    timestamp: o.ts,
    type: 'system',
    subtype: 'ui_telemetry',
    cwd: '/work/gen',
    systemPayload: {
      uiEvent: {
        'event.name': 'qwen-code.api_response',
        input_token_count: o.prompt,
        output_token_count: o.out,
        cached_content_token_count: cached,
        thoughts_token_count: thoughts,
      },
    },
  }
  const assistant = {
    uuid: o.uuid,
    sessionId: o.session,
    timestamp: o.ts,
    type: 'assistant',
    cwd: '/work/gen',
    model: o.model ?? 'qwen3-coder-plus',
    message: { role: 'model', parts: [{ text: 'ok' }] },
    usageMetadata: {
      promptTokenCount: o.prompt,
      candidatesTokenCount: o.out,
      thoughtsTokenCount: thoughts,
      totalTokenCount: o.total ?? o.prompt + o.out + thoughts,
      cachedContentTokenCount: cached,
    },
  }
  return line(telemetry) + line(assistant)
}

describe('qwen-code: chat logs with usage written twice', () => {
  it('counts the fixture as NOTES.md totals it: input 1,050 · cacheRead 50 · output 25 (the ui_telemetry copy once only)', async () => {
    const t = setup()
    const s = await t.scan()
    expect(s.errors).toEqual([])
    expect(s.skipped).toBe(0)
    const t1 = ledgerTotals(t.store)
    expect(t1).toEqual({ input: 1050, output: 25, cacheRead: 50, cacheWrite: 0, requests: 2 })
    const rows = t.store.db.prepare('SELECT key, session_id AS s, project, model FROM usage_events ORDER BY ts').all()
    expect(rows).toEqual([
      {
        key: 'qwen:69f0814a-8bfc-4c8e-93d3-05757f17b96f:c5a42b61-a532-4784-88a1-fb5f254241f9',
        s: '69f0814a-8bfc-4c8e-93d3-05757f17b96f',
        project: '/tmp/qwentest',
        model: 'coder-model',
      },
      {
        key: 'qwen:69f0814a-8bfc-4c8e-93d3-05757f17b96f:f134fbd1-97bd-4cbe-90f3-3ecdfbbc681c',
        s: '69f0814a-8bfc-4c8e-93d3-05757f17b96f',
        project: '/tmp/qwentest',
        model: 'coder-model',
      },
    ])
    expect((await t.scan()).filesRead).toBe(0)
  })

  it('day totals against ccusage 20.0.24 on the same file: equal but for the cached input ccusage counts twice', async () => {
    // `ccusage qwen daily --json --offline` (TZ=UTC, HOME holding .qwen/projects/-tmp-qwentest/chats/<the fixture>).
    const cc = JSON.parse(readFileSync(join(FIXTURES, 'qwen', 'ccusage_20.0.24_qwen_daily.json'), 'utf8')) as {
      daily: { date: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number }[]
    }
    const t = setup()
    await t.scan()
    const days = runReport(t.store, { tz: 'UTC', groupBy: ['day'], sources: ['qwen-code'] }).rows
    expect(days.map((r) => r.day)).toEqual(cc.daily.map((d) => d.date))
    const [ours, theirs] = [days[0], cc.daily[0]]
    expect([ours?.output, ours?.cacheRead, ours?.cacheWrite]).toEqual([
      theirs?.outputTokens,
      theirs?.cacheReadTokens,
      theirs?.cacheCreationTokens,
    ])
    // ccusage keeps promptTokenCount whole (cached inside) and adds cachedContentTokenCount again;
    // totalTokenCount (605 = 600 + 5) shows the cached 50 are inside the 600.
    expect(ours?.input).toBe((theirs?.inputTokens ?? 0) - (theirs?.cacheReadTokens ?? 0))
  })

  it('finds ~/.qwen/projects by default, and a QWEN_DATA_DIR that names projects/ itself', async () => {
    const dir = tempDir()
    const chats = join(dir, '.qwen', 'projects', 'p', 'chats')
    mkdirSync(chats, { recursive: true })
    copyFileSync(FIXTURE, join(chats, 's.jsonl'))
    for (const env of [{}, { QWEN_DATA_DIR: join(dir, '.qwen', 'projects') }]) {
      const store = openStore(join(tempDir(), 'tw.db'))
      const sources = createLogSources({ env, home: dir }).filter((s) => s.id === 'qwen-code')
      expect(sources[0]?.roots()).toEqual([join(dir, '.qwen', 'projects')])
      await scanLogs(store, sources, () => null, { userId: 'u' })
      expect(ledgerTotals(store).input).toBe(1050)
      store.close()
    }
  })

  it('thoughts: output unless total shows them inside candidates; malformed and bad records are skipped by reason', async () => {
    const t = setup()
    const f = join(t.chats, 'x.jsonl')
    writeFileSync(
      f,
      call({ uuid: 'a', session: 'x', ts: '2026-06-01T10:00:00Z', prompt: 100, out: 10, thoughts: 5 }) + // total = 115: separate
        call({ uuid: 'b', session: 'x', ts: '2026-06-01T10:01:00Z', prompt: 100, out: 10, thoughts: 5, total: 110 }) + // inside
        '{"type":"assistant","usageMetadata": {\n' +
        line({ uuid: 'c', sessionId: 'x', timestamp: 'yesterday', type: 'assistant', usageMetadata: { promptTokenCount: 1 } }) +
        line({ uuid: 'd', sessionId: 'x', timestamp: '2026-06-01T10:02:00Z', type: 'assistant', usageMetadata: { promptTokenCount: -4 } }) +
        line({ uuid: 'e', sessionId: 'x', timestamp: '1999-06-01T10:02:00Z', type: 'assistant', usageMetadata: { promptTokenCount: 4 } }),
    )
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1, 'bad-field': 2, 'implausible-time': 1 })
    const rows = t.store.db.prepare("SELECT key, input, output FROM usage_events WHERE session_id = 'x' ORDER BY key").all()
    expect(rows).toEqual([
      { key: 'qwen:x:a', input: 100, output: 15 },
      { key: 'qwen:x:b', input: 100, output: 10 },
    ])
  })

  it('a generated tree with resumed sessions repeating records, rewritten files and bad lines: exact totals, at once or in steps', async () => {
    const home = join(tempDir(), 'qwen')
    const expected = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0 }
    const files: { path: string; lines: string[] }[] = []
    let bad = 0
    let n = 0
    for (let p = 0; p < 3; p++) {
      const chats = join(home, 'projects', `-work-p${p}`, 'chats')
      mkdirSync(chats, { recursive: true })
      for (let f = 0; f < 3; f++) {
        const lines: string[] = []
        const session = `s-${p}-${f}`
        for (let m = 0; m < 30; m++) {
          n++
          const prompt = 200 + ((n * 37) % 800)
          const cached = (n * 13) % prompt
          const out = 1 + ((n * 7) % 90)
          const rec = call({ uuid: `u${m}`, session, ts: new Date(Date.UTC(2026, 5, 1 + p, f, m)).toISOString(), prompt, out, cached })
          lines.push(rec)
          // A resumed session re-writes earlier records into the log: counted once.
          if (m % 9 === 4) lines.push(rec)
          if (m % 11 === 6) {
            lines.push('{"uuid":"half","type":"assistant","usageMetadata":{"promptTok\n')
            bad++
          }
          expected.input += prompt - cached
          expected.cacheRead += cached
          expected.output += out
          expected.requests++
        }
        files.push({ path: join(chats, `${session}.jsonl`), lines })
      }
    }
    const dir = tempDir()
    const sources = createLogSources({ env: { QWEN_DATA_DIR: home }, home: dir }).filter((s) => s.id === 'qwen-code')
    // A file rewritten whole (Qwen Code compacting a chat): read again from the start, nothing added.
    await expectTreeReadExactly({ sources, files, bad, expected, rewriteKeeps: (l) => !l.includes('"half"'), maxLines: 5 })
  })

  it('live: a record Qwen Code appends while the engine runs is counted from the file events (no rescan); a restart reads nothing again', async () => {
    const { home, chats } = qwenHome()
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'tw'), HOME: dir, QWEN_DATA_DIR: home }
    const f = join(chats, '69f0814a-8bfc-4c8e-93d3-05757f17b96f.jsonl')
    const totals = (e: Engine) => runReport(e.store, { tz: 'UTC', groupBy: [], sources: ['qwen-code'] }).totals
    const engine = await Engine.open({ env })
    try {
      await engine.start()
      expect([totals(engine).requests, totals(engine).input]).toEqual([2, 1050])
      const before = readFileSync(f, 'utf8').length
      appendFileSync(
        f,
        call({
          uuid: 'live-1',
          session: '69f0814a-8bfc-4c8e-93d3-05757f17b96f',
          ts: '2026-06-15T14:41:00Z',
          prompt: 700,
          out: 9,
          cached: 600,
        }),
      )
      await eventually(() => expect([totals(engine).requests, totals(engine).input]).toEqual([3, 1150]), 10_000)
      expect(readFileSync(f, 'utf8').length).toBeGreaterThan(before)
    } finally {
      await engine.stop()
    }
    const again = await Engine.open({ env, watch: false })
    try {
      await again.start()
      expect(again.lastScan?.filesRead ?? 0).toBe(0)
      expect([totals(again).requests, totals(again).input, totals(again).cacheRead]).toEqual([3, 1150, 650])
    } finally {
      await again.stop()
    }
  })
})
