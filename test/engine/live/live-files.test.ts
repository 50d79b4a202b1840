import { describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/engine/live/engine'
import type { BatchResult } from '../../../src/engine/ingest/apply-batch'
import { runReport } from '../../../src/engine/query/report'
import type { ChangeEvent } from '../../../src/shared/contract'
import { eventually } from '../../helpers/eventually'
import { liveSetup } from './support'

/**
 * A Claude Code assistant line in Claude Code's own key order: message first, uuid and timestamp
 * last (so no two lines end alike, as in real transcripts).
 */
function line(id: string, output: number, ts: string, input = 10): string {
  return (
    JSON.stringify({
      parentUuid: null,
      isSidechain: false,
      cwd: '/work/app',
      sessionId: 's1',
      message: { id: `msg_${id}`, model: 'claude-sonnet-4-20250514', usage: { input_tokens: input, output_tokens: output } },
      requestId: `req_${id}`,
      type: 'assistant',
      uuid: `uuid-${id}-${output}`,
      timestamp: ts,
    }) + '\n'
  )
}

const setup = liveSetup

function totals(engine: Engine) {
  const t = runReport(engine.store, { tz: 'UTC', groupBy: [] }).totals
  return { input: t.input, output: t.output, requests: t.requests }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const at = (h: number) => `2026-03-01T${String(h).padStart(2, '0')}:10:00Z`

describe('live engine: files truncated, deleted and re-created while tailed', () => {
  it('truncated in place: usage already counted stays counted, new lines after it count once', async () => {
    const s = setup()
    writeFileSync(s.log, line('a', 5, at(10)) + line('b', 6, at(10)))
    const engine = await Engine.open({ env: s.env })
    try {
      await engine.start()
      expect(totals(engine)).toEqual({ input: 20, output: 11, requests: 2 })
      const ino = statSync(s.log).ino
      truncateSync(s.log, 0)
      await sleep(200)
      expect(totals(engine)).toEqual({ input: 20, output: 11, requests: 2 })
      appendFileSync(s.log, line('c', 7, at(11)))
      await eventually(() => expect(totals(engine)).toEqual({ input: 30, output: 18, requests: 3 }))
      // Still the same file (truncated in place, not replaced); then more lines, and a replay of b.
      expect(statSync(s.log).ino).toBe(ino)
      appendFileSync(s.log, line('d', 8, at(11)) + line('b', 6, at(10)))
      await eventually(() => expect(totals(engine)).toEqual({ input: 40, output: 26, requests: 4 }))
      await sleep(200)
      expect(totals(engine)).toEqual({ input: 40, output: 26, requests: 4 })
    } finally {
      await engine.stop()
    }
  })

  it('deleted, then re-created at the same path: history stays, the new file counts once', async () => {
    const s = setup()
    writeFileSync(s.log, line('a', 5, at(10)) + line('b', 6, at(10)))
    const engine = await Engine.open({ env: s.env })
    try {
      await engine.start()
      unlinkSync(s.log)
      await sleep(200)
      expect(totals(engine)).toEqual({ input: 20, output: 11, requests: 2 })
      // The new transcript replays a and adds e.
      writeFileSync(s.log, line('a', 5, at(10)) + line('e', 9, at(12)))
      await eventually(() => expect(totals(engine)).toEqual({ input: 30, output: 20, requests: 3 }))
      appendFileSync(s.log, line('f', 1, at(12)))
      await eventually(() => expect(totals(engine)).toEqual({ input: 40, output: 21, requests: 4 }))
      const hours = runReport(engine.store, { tz: 'UTC', groupBy: ['hour'] }).rows.map((r) => [r.hour, r.requests])
      expect(hours).toEqual([
        ['2026-03-01T10:00', 2],
        ['2026-03-01T12:00', 2],
      ])
    } finally {
      await engine.stop()
    }
  })

  it('the whole projects folder deleted and re-created: watched again, its files are read', async () => {
    const s = setup()
    writeFileSync(s.log, line('a', 5, at(10)))
    const engine = await Engine.open({ env: s.env, rootCheckMs: 100 })
    try {
      await engine.start()
      rmSync(s.projects, { recursive: true })
      await sleep(300)
      mkdirSync(join(s.projects, 'other'), { recursive: true })
      const again = join(s.projects, 'other', 'new.jsonl')
      writeFileSync(again, line('g', 3, at(13)))
      await eventually(() => expect(totals(engine)).toEqual({ input: 20, output: 8, requests: 2 }))
      // And it is tailed, not just rescanned once.
      appendFileSync(again, line('h', 4, at(13)))
      await eventually(() => expect(totals(engine)).toEqual({ input: 30, output: 12, requests: 3 }))
    } finally {
      await engine.stop()
    }
  })
})

describe('live engine: change events are debounced', () => {
  it('several commits within the window give one event; a later commit gives another', async () => {
    const WINDOW = 3000
    const s = setup()
    const engine = await Engine.open({ env: s.env, changeDebounceMs: WINDOW })
    const changes: ChangeEvent[] = []
    engine.onChange((e) => changes.push(e))
    // Counts commits on their way to the debouncer; `committed` is private, hence the cast.
    const inner = engine as unknown as { committed(r: BatchResult): void }
    const committed = inner.committed.bind(engine)
    let commits = 0
    inner.committed = (r) => {
      if (r.hours.size > 0) commits++
      committed(r)
    }
    try {
      await engine.start()
      const t0 = Date.now()
      // Four appends, each waited for, so each is its own scan and commit.
      for (const [i, h] of [9, 10, 11, 14].entries()) {
        appendFileSync(s.log, line(`m${i}`, 1, at(h)))
        await eventually(() => expect(totals(engine).requests).toBe(i + 1))
      }
      expect(Date.now() - t0).toBeLessThan(WINDOW) // else the machine is too slow for this test's window
      expect(commits).toBe(4)
      expect(changes).toEqual([])
      await eventually(() => expect(changes).toHaveLength(1), WINDOW + 2000)
      appendFileSync(s.log, line('late', 1, at(20)))
      await eventually(() => expect(changes).toHaveLength(2), WINDOW + 2000)
      expect(commits).toBe(5)
    } finally {
      await engine.stop()
    }
  }, 20_000)
})
