import { describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../src/engine/live/engine'
import { runReport } from '../../src/engine/query/report'
import type { UsageEvent } from '../../src/shared/usage'
import { tempDir } from '../helpers/temp'
import { eventually } from '../helpers/eventually'

const line = (i: number) =>
  JSON.stringify({
    type: 'assistant',
    timestamp: '2026-03-01T10:00:00Z',
    sessionId: 's',
    cwd: '/p',
    requestId: `r${i}`,
    message: { id: `m${i}`, model: 'claude-sonnet-4-20250514', usage: { input_tokens: i, output_tokens: 1 } },
  }) + '\n'

describe('disk full: writes fail cleanly, nothing is corrupted, ingestion resumes', () => {
  it('a full store refuses commits whole, then catches up once space returns', async () => {
    const dir = tempDir()
    const log = join(dir, 'claude', 'projects', 'p', 's.jsonl')
    mkdirSync(join(log, '..'), { recursive: true })
    writeFileSync(log, line(1))
    const messages: string[] = []
    const engine = await Engine.open({
      env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') },
      retryMs: 100,
      log: (m) => messages.push(m),
    })
    await engine.start()
    const db = engine.store.db
    const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [] }).totals
    expect(totals().input).toBe(1)
    // "Disk full": SQLite may not grow the file by a single page.
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
    for (let i = 2; i <= 400; i++) appendFileSync(log, line(i).replace('"usage"', `"pad":"${'x'.repeat(2000)}","usage"`))
    await eventually(() => expect(messages.some((m) => m.includes('could not record usage') && m.includes('full'))).toBe(true), 8000)
    // A pushed event is refused too: its sender gets no acknowledgement.
    const pushed: UsageEvent[] = Array.from({ length: 300 }, (_, i) => ({
      key: `ext:a:${i}`,
      ts: Date.parse('2026-03-01T10:00:00Z'),
      source: 'socket',
      userId: 'u',
      agentId: 'a',
      project: `/p/${'y'.repeat(500)}`,
      sessionId: `s${i}`,
      model: 'm',
      input: 5,
      output: 5,
      cacheRead: 0,
      cacheWrite: 0,
      cacheWrite1h: 0,
    }))
    await expect(engine.writer.submit(pushed)).rejects.toThrow(/full/)
    expect(totals().input).toBe(1)
    expect(db.pragma('quick_check', { simple: true })).toBe('ok')
    // Space returns: the retry reads on from the committed offset and counts everything once.
    db.pragma('max_page_count = 1073741823')
    await eventually(() => expect(totals().requests).toBe(400), 8000)
    expect(totals().input).toBe((400 * 401) / 2)
    await engine.writer.submit(pushed)
    expect(totals().requests).toBe(700)
    await engine.stop()
  }, 30_000)
})
