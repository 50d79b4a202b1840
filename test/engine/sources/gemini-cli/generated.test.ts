import { describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const line = (o: unknown): string => JSON.stringify(o) + '\n'

describe('gemini-cli: a generated tree with re-appended records, rewrites and malformed lines', () => {
  it("totals equal the generator's exact ones, read at once or in many increments", async () => {
    const rand = rng(11)
    const home = join(tempDir(), 'gemini')
    const expected = { input: 0, output: 0, cacheRead: 0, requests: 0 }
    let malformed = 0
    const streams: { path: string; lines: string[] }[] = []
    for (let p = 0; p < 3; p++) {
      const chats = join(home, 'tmp', `proj-${p}`, 'chats')
      mkdirSync(chats, { recursive: true })
      for (let f = 0; f < 4; f++) {
        const sid = `p${p}f${f}`
        const lines = [line({ sessionId: sid, projectHash: 'h', startTime: '2026-06-01T00:00:00Z', kind: 'main' })]
        for (let m = 0; m < 40; m++) {
          const ts = new Date(Date.parse('2026-06-01T00:00:00Z') + (p * 1000 + f * 100 + m) * 60_000).toISOString()
          const input = 100 + Math.floor(rand() * 900)
          const output = 1 + Math.floor(rand() * 200)
          const cached = Math.floor(rand() * input)
          // input includes cached here (total proves it), as the Gemini API reports it.
          const tokens = { input, output, cached, thoughts: 0, tool: 0, total: input + output }
          // Written first without tokens, then with zeros, then final: counts once, as the final.
          lines.push(line({ id: `m${m}`, timestamp: ts, type: 'gemini', content: '', model: 'gemini-2.5-pro' }))
          lines.push(
            line({
              id: `m${m}`,
              timestamp: ts,
              type: 'gemini',
              content: '',
              model: 'gemini-2.5-pro',
              tokens: { input: 0, output: 0, cached: 0 },
            }),
          )
          lines.push(line({ id: `m${m}`, timestamp: ts, type: 'gemini', content: 'done', model: 'gemini-2.5-pro', tokens }))
          if (m % 10 === 3) lines.push(line({ $rewindTo: `m${m - 1}` }))
          if (m % 13 === 5) {
            lines.push('{"tokens": broken\n')
            malformed++
          }
          expected.input += input - cached
          expected.output += output
          expected.cacheRead += cached
          expected.requests++
        }
        streams.push({ path: join(chats, `session-${sid}.jsonl`), lines })
      }
      // One legacy document per project, rewritten three times as it grows.
      const doc = join(chats, `legacy-${p}.json`)
      const messages: unknown[] = []
      for (let m = 0; m < 3; m++) {
        messages.push({
          id: `d${m}`,
          timestamp: `2026-06-02T0${m}:00:00Z`,
          type: 'gemini',
          tokens: { input: 10, output: 2, cached: 4, thoughts: 1, tool: 0, total: 17 },
        })
        expected.input += 10
        expected.output += 3
        expected.cacheRead += 4
        expected.requests++
        writeFileSync(doc, JSON.stringify({ sessionId: `legacy-${p}`, messages }))
      }
    }
    const dir = tempDir()
    const sources = createLogSources({ env: { GEMINI_CLI_HOME: home }, home: dir }).filter((s) => s.id === 'gemini-cli')
    // One store reads the finished tree; another reads it as it is written, in many small steps.
    for (const s of streams) writeFileSync(s.path, s.lines.join(''))
    const whole = openStore(join(dir, 'whole.db'))
    const sw = await scanLogs(whole, sources, () => null, { userId: 'u' })
    expect(sw.skipReasons).toEqual({ 'malformed-json': malformed })
    const t = ledgerTotals(whole)
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, requests: t.requests }).toEqual(expected)
    expectAggregatesMatchLedger(whole)

    const stepped = openStore(join(dir, 'stepped.db'))
    for (const s of streams) writeFileSync(s.path, '')
    const cursor = streams.map(() => 0)
    let skipped = 0
    while (cursor.some((c, i) => c < (streams[i]?.lines.length ?? 0))) {
      streams.forEach((s, i) => {
        const n = 1 + Math.floor(rand() * 7)
        const chunk = s.lines.slice(cursor[i], (cursor[i] ?? 0) + n)
        cursor[i] = (cursor[i] ?? 0) + chunk.length
        if (chunk.length > 0) appendFileSync(s.path, chunk.join(''))
      })
      skipped += (await scanLogs(stepped, sources, () => null, { userId: 'u' })).skipped
    }
    expect(skipped).toBe(malformed)
    expect(stepped.db.prepare('SELECT * FROM usage_events ORDER BY key').all()).toEqual(
      whole.db.prepare('SELECT * FROM usage_events ORDER BY key').all(),
    )
    expectAggregatesMatchLedger(stepped)
    whole.close()
    stepped.close()
  })
})
