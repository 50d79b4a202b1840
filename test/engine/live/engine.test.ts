import { describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, writeFileSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { createEngineApi } from '../../../src/engine/api'
import { Engine } from '../../../src/engine/live/engine'
import { runReport } from '../../../src/engine/query/report'
import { machineIdentity } from '../../../src/engine/store/changes'
import type { ChangeEvent } from '../../../src/shared/contract'
import { eventually } from '../../helpers/eventually'
import { liveSetup } from './support'

/** A Claude Code assistant line with usage, as Claude Code writes it. */
function claudeLine(id: string, output: number, ts: string, input = 10): string {
  return (
    JSON.stringify({
      type: 'assistant',
      timestamp: ts,
      sessionId: 's1',
      cwd: '/work/app',
      requestId: `req_${id}`,
      message: {
        id: `msg_${id}`,
        model: 'claude-sonnet-4-20250514',
        usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
      },
    }) + '\n'
  )
}

const setup = liveSetup

function totals(engine: Engine) {
  const t = runReport(engine.store, { tz: 'UTC', groupBy: [] }).totals
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, requests: t.requests }
}

describe('live engine: tailing real files', () => {
  it('backfills, then sees appended lines, waits for a partial line, and announces the hour', async () => {
    const s = setup()
    writeFileSync(s.log, claudeLine('a', 5, '2026-03-01T10:05:00Z'))
    const engine = await Engine.open({ env: s.env })
    const changes: ChangeEvent[] = []
    engine.onChange((e) => changes.push(e))
    await engine.start()
    expect(totals(engine)).toEqual({ input: 10, output: 5, cacheRead: 100, requests: 1 })

    appendFileSync(s.log, claudeLine('b', 7, '2026-03-01T11:30:00Z'))
    await eventually(() => expect(totals(engine).requests).toBe(2))
    await eventually(() => expect(changes.filter((c) => !c.settings).length).toBeGreaterThan(0))

    // Half a line: nothing yet; the rest of it: counted once.
    const line = claudeLine('c', 9, '2026-03-01T12:00:00Z')
    appendFileSync(s.log, line.slice(0, 40))
    await new Promise((r) => setTimeout(r, 300))
    expect(totals(engine).requests).toBe(2)
    appendFileSync(s.log, line.slice(40))
    await eventually(() => expect(totals(engine)).toEqual({ input: 30, output: 21, cacheRead: 300, requests: 3 }))
    await engine.stop()
  })

  it('a local store answers a machine filter as its own machine: naming it (name or id) is no filter, leaving it out selects nothing', async () => {
    const s = setup()
    writeFileSync(s.log, claudeLine('a', 5, '2026-03-01T10:05:00Z'))
    const engine = await Engine.open({ env: s.env, watch: false })
    await engine.start()
    const api = createEngineApi(engine)
    const me = machineIdentity(engine.store)
    expect((await api.dimensions()).machines).toEqual([me.name])
    for (const machines of [[me.name], [me.id]]) expect((await api.report({ tz: 'UTC', groupBy: [], machines })).totals.requests).toBe(1)
    const other = await api.report({ tz: 'UTC', groupBy: ['day'], machines: ['not-this-one'] })
    expect(other.rows).toEqual([])
    expect(other.totals.requests).toBe(0)
    expect(await api.sessionCount({ tz: 'UTC', machines: ['not-this-one'] })).toBe(0)
    expect(await api.sessionCount({ tz: 'UTC', machines: [me.name] })).toBe(1)
    await engine.stop()
  })

  it('a streamed message corrected across a restart counts once with the largest output', async () => {
    const s = setup()
    writeFileSync(s.log, claudeLine('m', 1, '2026-03-01T10:00:00Z'))
    let engine = await Engine.open({ env: s.env })
    await engine.start()
    await engine.stop()
    appendFileSync(s.log, claudeLine('m', 250, '2026-03-01T10:00:03Z'))
    engine = await Engine.open({ env: s.env })
    await engine.start()
    expect(totals(engine)).toEqual({ input: 10, output: 250, cacheRead: 100, requests: 1 })
    const hours = runReport(engine.store, { tz: 'UTC', groupBy: ['hour'] }).rows.map((r) => r.hour)
    expect(hours).toEqual(['2026-03-01T10:00'])
    await engine.stop()
  })

  it('a transcript rewritten in place (resume/compaction) adds nothing twice and subtracts nothing', async () => {
    const s = setup()
    writeFileSync(s.log, claudeLine('a', 5, '2026-03-01T10:00:00Z') + claudeLine('b', 6, '2026-03-01T10:01:00Z'))
    const engine = await Engine.open({ env: s.env })
    await engine.start()
    // Rewrite: a shorter file with one old message and one new one, swapped in atomically.
    const tmp = `${s.log}.tmp`
    writeFileSync(tmp, claudeLine('b', 6, '2026-03-01T10:01:00Z') + claudeLine('c', 8, '2026-03-01T10:02:00Z'))
    renameSync(tmp, s.log)
    await eventually(() => expect(totals(engine)).toEqual({ input: 30, output: 19, cacheRead: 300, requests: 3 }))
    await engine.stop()
  })

  it('watches a root that appears after start, and new sub-folders', async () => {
    const s = setup()
    const codexHome = s.env.CODEX_HOME
    const engine = await Engine.open({ env: s.env, rootCheckMs: 200 })
    await engine.start()
    expect(totals(engine).requests).toBe(0)
    const dir = join(codexHome, 'sessions', '2026', '03', '01')
    mkdirSync(dir, { recursive: true })
    writeFileSync(
      join(dir, 'rollout-x.jsonl'),
      JSON.stringify({ timestamp: '2026-03-01T09:00:00Z', type: 'turn_context', payload: { model: 'gpt-5' } }) +
        '\n' +
        JSON.stringify({
          timestamp: '2026-03-01T09:01:00Z',
          type: 'event_msg',
          payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 100, cached_input_tokens: 40, output_tokens: 7 } } },
        }) +
        '\n',
    )
    await eventually(() => expect(totals(engine)).toEqual({ input: 60, output: 7, cacheRead: 40, requests: 1 }))
    await engine.stop()
  })

  it('resumes from saved offsets after a restart without re-reading old bytes', async () => {
    const s = setup()
    writeFileSync(s.log, claudeLine('a', 5, '2026-03-01T10:00:00Z'))
    let engine = await Engine.open({ env: s.env, watch: false })
    await engine.start()
    expect(engine.lastScan?.bytes).toBeGreaterThan(0)
    await engine.stop()
    engine = await Engine.open({ env: s.env, watch: false })
    await engine.start()
    expect(engine.lastScan?.bytes).toBe(0)
    expect(engine.lastScan?.filesRead).toBe(0)
    await engine.stop()
  })
})

describe('live engine: stopping during a backfill', () => {
  it('ends a long backfill at its next commit; the next start reads on from there and counts every line once', async () => {
    const s = setup()
    // 40 files of 50 requests each, a commit after every file's bytes (TOKENWATCH_COMMIT_BYTES=1).
    for (let f = 0; f < 40; f++) {
      const lines = Array.from({ length: 50 }, (_, i) => claudeLine(`f${f}-${i}`, 1, '2026-03-01T10:00:00Z'))
      writeFileSync(join(s.claude, 'projects', 'app', `s${f}.jsonl`), lines.join(''))
    }
    const env = { ...s.env, TOKENWATCH_COMMIT_BYTES: '1' }
    let engine = await Engine.open({ env, watch: false })
    const started = engine.start()
    // The scan yields after every commit: stop at the first yield that finds a file committed.
    const committedFiles = () => engine.store.db.prepare('SELECT count(*) FROM source_files').pluck().get() as number
    const stopped = new Promise<void>((resolve, reject) => {
      const poll = (): void => {
        if (committedFiles() > 0) engine.stop().then(resolve, reject)
        else setImmediate(poll)
      }
      poll()
    })
    await Promise.all([started, stopped])
    const reopened = await Engine.open({ env, watch: false })
    const partial = totals(reopened).requests
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(2000)
    engine = reopened
    await engine.start()
    expect(totals(engine)).toEqual({ input: 20_000, output: 2000, cacheRead: 200_000, requests: 2000 })
    await engine.stop()
  })
})

describe('settings change events come from the engine', () => {
  it('every setSettings through the engine API (as serve runs it) announces the change as a settings change', async () => {
    const s = setup()
    const engine = await Engine.open({ env: s.env, watch: false })
    await engine.start()
    const api = createEngineApi(engine)
    const changes: ChangeEvent[] = []
    const off = api.onChange((e) => changes.push(e))
    await api.setSettings({ paused: true })
    await api.setSettings({ timeZone: 'Asia/Kolkata' })
    expect(changes.map((c) => c.settings)).toEqual([true, true])
    // A rejected patch changes nothing and announces nothing.
    await expect(api.setSettings({ timeZone: 'Mars/Olympus' })).rejects.toThrow(/timeZone/)
    expect(changes).toHaveLength(2)
    expect((await api.getSettings()).timeZone).toBe('Asia/Kolkata')
    off()
    await engine.stop()
  })
})
