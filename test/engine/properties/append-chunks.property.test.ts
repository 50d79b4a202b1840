import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { claudeLine, fileRow, expectAggregatesMatchLedger, makeEnv, type Env } from '../ingest/support'

/**
 * Lines a Claude Code log can hold: usage lines (streamed, so keys repeat), lines without the
 * needle, empty lines, CRLF ends, malformed and invalid UTF-8 lines. Junk never has a prefix that
 * is whole JSON: a writer appends whole lines, so a reader only ever sees prefixes of real lines.
 */
const lineArb = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .record({ id: fc.constantFrom('a', 'b', 'c', 'd', 'é'), output: fc.nat({ max: 500 }), minute: fc.nat({ max: 90 }) })
      .map(({ id, output, minute }) =>
        Buffer.from(claudeLine({ id, output, ts: new Date(Date.parse('2026-03-01T10:00:00Z') + minute * 60_000).toISOString() })),
      ),
  },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('', '{"type":"user","message":{"content":"hi ✓"}}', '{"message": {"usage": {"input_tokens": ', 'plain "usage" text')
      .map((s) => Buffer.from(s)),
  },
  { weight: 1, arbitrary: fc.constant(Buffer.concat([Buffer.from('{"usage":"'), Buffer.from([0xe2, 0x28, 0xa1]), Buffer.from('"}')])) },
)

const linesArb = fc
  .array(fc.tuple(lineArb, fc.boolean()), { minLength: 1, maxLength: 25 })
  .map((lines) => lines.map(([l, crlf]) => Buffer.concat([l, Buffer.from(crlf ? '\r\n' : '\n')])))

/** Cut points: anywhere, or a few bytes around a line end (where the interesting cases are). */
const cutArb = fc.oneof(fc.record({ at: fc.nat() }), fc.record({ line: fc.nat(), delta: fc.integer({ min: -3, max: 1 }) }))

function snapshot(env: Env, path: string) {
  const row = fileRow(env.store, path)
  return {
    events: env.store.db.prepare('SELECT key, ts, input, output, cache_read FROM usage_events ORDER BY key').all(),
    file: row && { offset: row.offset, lines: row.lines, events: row.events, skipped: row.skipped, skipReasons: row.skipReasons },
  }
}

describe('property: a file appended in arbitrary chunks, scanned after each, equals one scan', () => {
  it('same ledger, same per-file counts', async () => {
    await fc.assert(
      fc.asyncProperty(linesArb, fc.array(cutArb, { maxLength: 8 }), async (lines, cutSpecs) => {
        const bytes = Buffer.concat(lines)
        const ends = lines.map((_, i) => lines.slice(0, i + 1).reduce((n, l) => n + l.length, 0))
        const rawCuts = cutSpecs.map((c) => ('at' in c ? c.at : (ends[c.line % ends.length] as number) + c.delta))
        const whole = makeEnv()
        const wholePath = join(whole.claudeProjects, 'app', 'log.jsonl')
        writeFileSync(wholePath, bytes)
        await whole.scan()
        const expected = snapshot(whole, wholePath)
        whole.store.close()

        const env = makeEnv()
        const path = join(env.claudeProjects, 'app', 'log.jsonl')
        const cuts = [...new Set([0, ...rawCuts.map((c) => Math.max(0, c) % (bytes.length + 1)), bytes.length])].sort((a, b) => a - b)
        writeFileSync(path, '')
        for (let i = 0; i + 1 < cuts.length; i++) {
          appendFileSync(path, bytes.subarray(cuts[i], cuts[i + 1]))
          await env.scan()
          expectAggregatesMatchLedger(env.store)
        }
        expect(snapshot(env, path)).toEqual(expected)
        env.store.close()
      }),
      { numRuns: 40 },
    )
  })
})
