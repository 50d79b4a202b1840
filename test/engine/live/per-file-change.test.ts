/**
 * A line appended to one watched file costs work for that file, not for the tree (issue #10: at
 * 100,000 files an append took 2.4 s to show, because every change scan loaded every file's stored
 * reading position). With 3,000 files watched, each append's scan stats one file, looks up its
 * stored row (never the table) and reads one file; the line counts once.
 */
import { describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/engine/live/engine'
import { runReport } from '../../../src/engine/query/report'
import { eventually } from '../../helpers/eventually'
import { liveSetup } from './support'

function line(id: string, ts: string): string {
  return (
    JSON.stringify({
      type: 'assistant',
      timestamp: ts,
      sessionId: id,
      cwd: '/work/app',
      requestId: `req_${id}`,
      uuid: `uuid-${id}`,
      message: { id: `msg_${id}`, model: 'claude-sonnet-4-20250514', usage: { input_tokens: 10, output_tokens: 5 } },
    }) + '\n'
  )
}

const FILES = 3000
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const FOLDERS = 30

describe('live engine: an append costs one file of work', () => {
  it('3,000 watched files: each append stats, looks up and reads that file only', async () => {
    const s = liveSetup()
    for (let f = 0; f < FOLDERS; f++) mkdirSync(join(s.projects, `p${f}`), { recursive: true })
    const fileOf = (i: number) => join(s.projects, `p${i % FOLDERS}`, `s${i}.jsonl`)
    for (let i = 0; i < FILES; i++) writeFileSync(fileOf(i), line(`w${i}`, '2026-03-01T10:00:00Z'))
    const engine = await Engine.open({ env: s.env })
    const requests = () => runReport(engine.store, { tz: 'UTC', groupBy: [] }).totals.requests
    try {
      await engine.start()
      expect(engine.lastScan?.files).toBe(FILES)
      expect(requests()).toBe(FILES)
      const before = { ...engine.changeWork }
      for (const [k, i] of [17, 1234, 2999].entries()) {
        appendFileSync(fileOf(i), line(`more${k}`, '2026-03-01T11:00:00Z'))
        await eventually(() => expect(requests()).toBe(FILES + k + 1))
      }
      // Each file is looked at once for its event and perhaps once more (the watcher's recheck
      // after chokidar's 50 ms throttle): at most 6 files stat'ed for 3 appends, each with at
      // most two stored rows looked up, and the 3 files read. Not 3,000 of anything.
      await eventually(() => expect(engine.changeWork.filesRead - before.filesRead).toBe(3))
      await sleep(300)
      const files = engine.changeWork.files - before.files
      expect(files).toBeGreaterThanOrEqual(3)
      expect(files).toBeLessThanOrEqual(6)
      expect(engine.changeWork.storedLookups - before.storedLookups).toBeLessThanOrEqual(2 * files)
      expect(engine.changeWork.filesRead - before.filesRead).toBe(3)
      expect(requests()).toBe(FILES + 3)
    } finally {
      await engine.stop()
    }
  })
})
