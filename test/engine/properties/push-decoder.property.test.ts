import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { decodeEvent, decodeLine } from '../../../src/engine/push/decode-event'
import { createLineSplitter } from '../../../src/engine/push/line-splitter'

const NOW = Date.UTC(2026, 10, 23, 12)
const DEFAULTS = { userId: 'me', source: 'socket' as const }

const tokenCount = fc.integer({ min: 0, max: 1_000_000_000 })
const validEvent = fc.record({
  id: fc.string({ minLength: 1, maxLength: 40 }),
  agentId: fc.string({ minLength: 1, maxLength: 40 }),
  model: fc.string({ minLength: 1, maxLength: 40 }),
  input: tokenCount,
  output: tokenCount,
  cacheRead: tokenCount,
  cacheWrite: tokenCount,
  ts: fc.integer({ min: Date.UTC(2020, 0, 1), max: NOW }),
})

describe('property: the push decoder', () => {
  it('decodes every valid event exactly, with a key fixed by agent and id', () => {
    fc.assert(
      fc.property(validEvent, (e) => {
        const r = decodeEvent(e, NOW, DEFAULTS)
        expect(r.ok).toBe(true)
        if (!r.ok) return
        expect([r.event.input, r.event.output, r.event.cacheRead, r.event.cacheWrite, r.event.ts]).toEqual([
          e.input,
          e.output,
          e.cacheRead,
          e.cacheWrite,
          e.ts,
        ])
        expect(r.id).toBe(e.id)
        expect(decodeEvent({ ...e }, NOW, DEFAULTS)).toEqual(r) // same id → same key: idempotent
      }),
      { numRuns: 300 },
    )
  })

  it('never throws on arbitrary JSON values or text, and refuses every broken token count naming the field', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const r = decodeEvent(v, NOW, DEFAULTS)
        expect(typeof r.ok).toBe('boolean')
      }),
      { numRuns: 500 },
    )
    fc.assert(
      fc.property(fc.string(), (line) => {
        expect(typeof decodeLine(line, NOW, DEFAULTS).ok).toBe('boolean')
      }),
      { numRuns: 500 },
    )
    const broken = fc.oneof(
      fc.integer({ max: -1 }),
      fc.double({ noInteger: true }),
      fc.string(),
      fc.constant(Number.NaN),
      fc.constant(1e13),
      fc.boolean(),
    )
    fc.assert(
      fc.property(validEvent, fc.constantFrom('input', 'output', 'cacheRead', 'cacheWrite'), broken, (e, field, bad) => {
        const r = decodeEvent({ ...e, [field]: bad }, NOW, DEFAULTS)
        expect(r.ok).toBe(false)
        if (!r.ok) expect(r.error.startsWith(`${field}:`)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })

  it('the line splitter yields the same lines however the bytes are cut, and never a line over the limit', () => {
    const lines = fc.array(fc.string({ unit: fc.constantFrom('a', '{', '}', '"', 'é', '🙂', ' '), maxLength: 80 }), { maxLength: 20 })
    fc.assert(
      fc.property(lines, fc.array(fc.nat(), { maxLength: 10 }), (ls, cuts) => {
        const bytes = Buffer.from(ls.map((l) => l + '\n').join(''))
        const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
        const splitter = createLineSplitter(64)
        const out: string[] = []
        let from = 0
        for (const p of [...points, bytes.length]) {
          for (const item of splitter.push(bytes.subarray(from, p))) out.push(item.kind === 'line' ? item.text : '<oversize>')
          from = p
        }
        // Blank lines are no messages and get no reply.
        const expected = ls.flatMap((l) => (Buffer.byteLength(l) > 64 ? ['<oversize>'] : l.trim() === '' ? [] : [l]))
        expect(out).toEqual(expected)
      }),
      { numRuns: 300 },
    )
  })
})
