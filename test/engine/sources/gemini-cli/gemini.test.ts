import { describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { ledgerTotals } from '../../ingest/support'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { eventually } from '../../../helpers/eventually'

/** A GEMINI_CLI_HOME with the two fixture chats under tmp/<project>/chats/. */
function geminiHome(): { home: string; chats: string } {
  const home = join(tempDir(), 'gemini')
  const chats = join(home, 'tmp', 'my-project', 'chats')
  mkdirSync(chats, { recursive: true })
  writeFileSync(join(home, 'tmp', 'my-project', '.project_root'), '/work/my-project\n')
  copyFileSync(join(FIXTURES, 'gemini', 'agentsview_jsonl_stream.from_test.jsonl'), join(chats, 'session-2026-04-23T16-12-sessjsonl.jsonl'))
  copyFileSync(join(FIXTURES, 'gemini', 'agentsview_standard_session.legacy.json'), join(chats, 'session-2024-01-01T10-00-sessuuid.json'))
  return { home, chats }
}

function setup() {
  const { home, chats } = geminiHome()
  const dir = tempDir()
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ env: { GEMINI_CLI_HOME: home }, home: dir }).filter((s) => s.id === 'gemini-cli')
  const scan = () => scanLogs(store, sources, () => null, { userId: 'u' })
  const bySession = () =>
    store.db
      .prepare(
        `SELECT session_id AS s, project, sum(input) AS input, sum(output) AS output,
    sum(cache_read) AS cacheRead, count(*) AS requests FROM usage_events GROUP BY session_id ORDER BY session_id`,
      )
      .all()
  return { home, chats, store, scan, bySession }
}

const line = (o: unknown): string => JSON.stringify(o) + '\n'

describe('gemini-cli: JSONL streams and legacy JSON chats', () => {
  it('counts the fixtures as NOTES.md totals them: re-appended a1 once; legacy input stays 3,500', async () => {
    const t = setup()
    const s = await t.scan()
    expect(s.errors).toEqual([])
    expect(t.bySession()).toEqual([
      // legacy: total = input + output + cached + thoughts, so input is not inclusive; thoughts are output.
      { s: 'sess-jsonl-1', project: '/work/my-project', input: 9184, output: 26, cacheRead: 0, requests: 1 },
      { s: 'sess-uuid-1', project: '/work/my-project', input: 3500, output: 650, cacheRead: 150, requests: 2 },
    ])
    // A second scan reads nothing again.
    const again = await t.scan()
    expect(again.filesRead).toBe(0)
    expect(ledgerTotals(t.store).requests).toBe(3)
  })

  it('stream: tokens attached later win, $rewindTo deletes nothing, malformed lines are counted and skipped', async () => {
    const t = setup()
    const f = join(t.chats, 'session-x.jsonl')
    writeFileSync(
      f,
      line({ sessionId: 's2', projectHash: 'h', startTime: '2026-05-01T10:00:00Z', kind: 'main' }) +
        line({
          id: 'b1',
          timestamp: '2026-05-01T10:00:05Z',
          type: 'gemini',
          content: '',
          tokens: { input: 0, output: 0, cached: 0 },
          model: 'gemini-2.5-pro',
        }),
    )
    await t.scan()
    appendFileSync(
      f,
      line({
        id: 'b1',
        timestamp: '2026-05-01T10:00:05Z',
        type: 'gemini',
        content: 'done',
        tokens: { input: 1200, output: 80, cached: 200, thoughts: 20, tool: 0, total: 1300 },
        model: 'gemini-2.5-pro',
      }) +
        '{"id": "broken", "tokens": {\n' +
        line({ $rewindTo: 'b1' }) +
        line({
          $set: {
            messages: [
              {
                id: 'b2',
                timestamp: '2026-05-01T10:01:00Z',
                type: 'gemini',
                tokens: { input: 500, output: 10, cached: 0 },
                model: 'gemini-2.5-pro',
              },
            ],
          },
        }),
    )
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1 })
    const rows = t.store.db
      .prepare("SELECT key, input, output, cache_read AS cacheRead FROM usage_events WHERE session_id = 's2' ORDER BY key")
      .all()
    // total 1300 = input + output + thoughts: input includes the 200 cached, decided for this file.
    expect(rows).toEqual([
      { key: 'gemini:s2:b1', input: 1000, output: 100, cacheRead: 200 },
      { key: 'gemini:s2:b2', input: 500, output: 10, cacheRead: 0 },
    ])
  })

  it('legacy document rewritten in place: a re-read adds only the new message, never a second copy', async () => {
    const t = setup()
    await t.scan()
    const f = join(t.chats, 'session-2024-01-01T10-00-sessuuid.json')
    const doc = JSON.parse(JSON.stringify(await import(join(FIXTURES, 'gemini', 'agentsview_standard_session.legacy.json')))) as {
      default?: unknown
      messages: unknown[]
    }
    delete doc.default
    doc.messages.push({
      id: 'a3',
      timestamp: '2024-01-01T10:10:00Z',
      type: 'gemini',
      content: 'x',
      tokens: { input: 100, output: 10, cached: 0, thoughts: 0, tool: 0, total: 110 },
    })
    writeFileSync(f, JSON.stringify(doc, null, 2))
    await t.scan()
    expect(t.bySession()[1]).toEqual({
      s: 'sess-uuid-1',
      project: '/work/my-project',
      input: 3600,
      output: 660,
      cacheRead: 150,
      requests: 3,
    })
    // The file's counts are the document's, not the sum of its reads.
    const file = t.store.db.prepare('SELECT lines, events FROM source_files WHERE path = ?').get(f)
    expect(file).toEqual({ lines: 5, events: 3 })
    // A broken rewrite (half-written) is skipped and counted; what was counted stays.
    writeFileSync(f, '{"messages": [')
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1 })
    expect(ledgerTotals(t.store).requests).toBe(4)
  })

  it('live: a record Gemini CLI appends while the engine runs is counted within a second; a restart reads nothing again', async () => {
    const { home, chats } = geminiHome()
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'tw'), HOME: dir, GEMINI_CLI_HOME: home }
    const f = join(chats, 'session-live.jsonl')
    writeFileSync(f, line({ sessionId: 'live', projectHash: 'h', startTime: '2026-05-01T10:00:00Z', kind: 'main' }))
    const totals = (e: Engine) => runReport(e.store, { tz: 'UTC', groupBy: [], sources: ['gemini-cli'] }).totals
    const engine = await Engine.open({ env })
    try {
      await engine.start()
      expect(totals(engine).requests).toBe(3)
      appendFileSync(
        f,
        line({
          id: 'l1',
          timestamp: '2026-05-01T10:00:05Z',
          type: 'gemini',
          tokens: { input: 40, output: 4, cached: 0 },
          model: 'gemini-2.5-flash',
        }),
      )
      await eventually(() => expect([totals(engine).requests, totals(engine).input]).toEqual([4, 9184 + 3500 + 40]), 3000)
    } finally {
      await engine.stop()
    }
    const again = await Engine.open({ env, watch: false })
    try {
      await again.start()
      expect(again.lastScan?.filesRead ?? 0).toBe(0)
      expect(totals(again).requests).toBe(4)
    } finally {
      await again.stop()
    }
  })
})
