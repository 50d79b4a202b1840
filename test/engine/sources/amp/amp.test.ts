import { describe, expect, it } from 'vitest'
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { ledgerTotals } from '../../ingest/support'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { eventually } from '../../../helpers/eventually'

const FILES = {
  'T-anthropic.json': 'agentsview_T-thread_anthropic_family.json',
  'T-openai.json': 'agentsview_T-thread_openai_family.json',
  'T-days.json': 'agentsview_T-thread_per_inference_timestamps.json',
  'T-ledger.json': 'ccusage_main_rs_legacy_usageLedger.thread.json',
  'T-messages.json': 'ccusage_parser_rs_reads_usage_from_messages.thread.json',
}

/** An AMP_DATA_DIR holding one fixture thread (each fixture is its own thread: three share an id). */
function setup(name: keyof typeof FILES) {
  const data = join(tempDir(), 'amp')
  const threads = join(data, 'threads')
  mkdirSync(threads, { recursive: true })
  const file = join(threads, name)
  copyFileSync(join(FIXTURES, 'amp', FILES[name]), file)
  const dir = tempDir()
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({ env: { AMP_DATA_DIR: data }, home: dir }).filter((s) => s.id === 'amp')
  const scan = () => scanLogs(store, sources, () => null, { userId: 'u' })
  const rows = () =>
    store.db
      .prepare(
        `SELECT key, ts, model, input, output, cache_read AS cacheRead, cache_write AS cacheWrite
    FROM usage_events ORDER BY ts, key`,
      )
      .all()
  return { file, store, scan, rows }
}

describe('amp: thread documents', () => {
  it('anthropic family: the NOTES.md totals, stamped by the thread when the inference is not', async () => {
    const t = setup('T-anthropic.json')
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'amp:T-019ca26f-1111-2222-3333-444444444444:i1',
        ts: 1704067200000,
        model: 'claude-sonnet-4-20250514',
        input: 7,
        output: 87,
        cacheRead: 15863,
        cacheWrite: 180,
      },
    ])
  })

  it('openai family: the prompt reported as cache creation is uncached input (OpenAI bills no cache writes)', async () => {
    const t = setup('T-openai.json')
    await t.scan()
    expect(t.rows()).toEqual([
      {
        key: 'amp:T-019ca26f-1111-2222-3333-444444444444:i1',
        ts: 1704067200000,
        model: 'gpt-5.6-sol',
        input: 18621,
        output: 15,
        cacheRead: 0,
        cacheWrite: 0,
      },
    ])
  })

  it("per-inference timestamps decide the day, not the thread's created", async () => {
    const t = setup('T-days.json')
    await t.scan()
    const days = t.store.db
      .prepare(
        "SELECT strftime('%Y-%m-%d', ts / 1000, 'unixepoch') AS day, sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead FROM usage_events GROUP BY day ORDER BY day",
      )
      .all()
    expect(days).toEqual([
      { day: '2026-08-07', input: 100, output: 15, cacheRead: 0 },
      { day: '2026-08-09', input: 10, output: 20, cacheRead: 50 },
    ])
  })

  it('ccusage messages thread: (10, 178, cw 986, cr 11,372) + (5, 42, 0, 12,000)', async () => {
    const t = setup('T-messages.json')
    await t.scan()
    expect(t.rows()).toMatchObject([
      { key: 'amp:T-thread-a:i1', input: 10, output: 178, cacheWrite: 986, cacheRead: 11372 },
      { key: 'amp:T-thread-a:i2', input: 5, output: 42, cacheWrite: 0, cacheRead: 12000 },
    ])
  })

  it('legacy usageLedger: read from the ledger alone (in 100, out 50), cache figures from the message it points to', async () => {
    const t = setup('T-ledger.json')
    await t.scan()
    expect(t.rows()).toEqual([
      {
        key: 'amp:thread-a:eevent-a',
        ts: Date.parse('2026-05-01T01:02:03.000Z'),
        model: 'claude-sonnet-4-20250514',
        input: 100,
        output: 50,
        cacheRead: 10,
        cacheWrite: 20,
      },
    ])
  })

  it('a thread rewritten in place adds only its new inference; a half-written rewrite is skipped and counted; a restart reads nothing twice', async () => {
    const t = setup('T-messages.json')
    await t.scan()
    const doc = JSON.parse(readFileSync(t.file, 'utf8')) as { messages: unknown[] }
    doc.messages.push(
      { role: 'user', content: 'more' },
      {
        role: 'assistant',
        usage: {
          model: 'claude-haiku-4-5-20251001',
          inputTokens: 3,
          outputTokens: 7,
          cacheReadInputTokens: 100,
          timestamp: '2026-01-19T11:50:00.000Z',
        },
      },
    )
    writeFileSync(t.file, JSON.stringify(doc))
    await t.scan()
    expect(ledgerTotals(t.store).requests).toBe(3)
    expect(t.store.db.prepare('SELECT sum(input) AS i, sum(output) AS o, sum(cache_read) AS cr FROM usage_events').get()).toEqual({
      i: 18,
      o: 227,
      cr: 23472,
    })
    writeFileSync(t.file, '{"id":"T-thread-a","messages":[')
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1 })
    expect(ledgerTotals(t.store).requests).toBe(3)
    // Restart: the same store reopened reads nothing new from the same document.
    writeFileSync(t.file, JSON.stringify(doc))
    const path = t.store.db.name
    t.store.close()
    const again = openStore(path)
    const sources = createLogSources({ env: { AMP_DATA_DIR: join(t.file, '..', '..') }, home: tempDir() }).filter((x) => x.id === 'amp')
    await scanLogs(again, sources, () => null, { userId: 'u' })
    expect(ledgerTotals(again).requests).toBe(3)
    expect(again.db.prepare('SELECT sum(input) AS i, sum(output) AS o FROM usage_events').get()).toEqual({ i: 18, o: 227 })
    again.close()
  })

  it('bad records are skipped and counted, the rest of the thread still counts', async () => {
    const t = setup('T-messages.json')
    writeFileSync(
      t.file,
      JSON.stringify({
        id: 'T-bad',
        messages: [
          { role: 'assistant', usage: { model: 'm', inputTokens: -1, timestamp: '2026-01-19T11:42:10.652Z' } },
          'not an object',
          {
            role: 'assistant',
            usage: { model: 'claude-haiku-4-5', inputTokens: 4, outputTokens: 2, timestamp: '2026-01-19T11:42:10.652Z' },
          },
        ],
      }),
    )
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'bad-field': 2 })
    expect(t.rows()).toMatchObject([{ key: 'amp:T-bad:i2', input: 4, output: 2 }])
  })

  it('live: a thread Amp rewrites (atomically, by rename) while the engine runs adds only its new inference', async () => {
    const dir = tempDir()
    const data = join(dir, 'amp')
    mkdirSync(join(data, 'threads'), { recursive: true })
    const file = join(data, 'threads', 'T-thread-a.json')
    copyFileSync(join(FIXTURES, 'amp', FILES['T-messages.json']), file)
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, AMP_DATA_DIR: data } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['amp'] }).totals
      expect([totals().requests, totals().input, totals().output]).toEqual([2, 15, 220])
      const doc = JSON.parse(readFileSync(file, 'utf8')) as { messages: unknown[] }
      doc.messages.push({
        role: 'assistant',
        usage: { model: 'claude-haiku-4-5-20251001', inputTokens: 3, outputTokens: 7, timestamp: '2026-01-19T11:50:00.000Z' },
      })
      writeFileSync(file + '.tmp', JSON.stringify(doc))
      renameSync(file + '.tmp', file)
      await eventually(() => expect([totals().requests, totals().input, totals().output]).toEqual([3, 18, 227]), 3000)
    } finally {
      await engine.stop()
    }
  })
})
