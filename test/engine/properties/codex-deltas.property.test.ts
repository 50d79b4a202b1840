import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { codexParser, type CodexState } from '../../../src/engine/sources/codex/parser'
import type { FileContext } from '../../../src/engine/sources/types'
import type { UsageEvent } from '../../../src/shared/usage'
import { codexTokenLine, codexTurn } from '../ingest/support'

/** Codex's counters: [input incl. cached, cached, output, reasoning]. */
type Counters = [number, number, number, number]

const ctx: FileContext = { path: '/c/sessions/rollout-p.jsonl', root: '/c/sessions', userId: 'u' }
const t = (i: number) => new Date(Date.parse('2026-05-13T10:00:00Z') + i * 1000).toISOString()

/** One turn as Codex bills it: cached input is part of input. */
const turnArb = fc
  .record({
    input: fc.nat({ max: 200_000 }),
    cachedPart: fc.double({ min: 0, max: 1, noNaN: true }),
    output: fc.nat({ max: 20_000 }),
    reasoning: fc.nat({ max: 5000 }),
  })
  .map(({ input, cachedPart, output, reasoning }): Counters => [input, Math.floor(input * cachedPart), output, reasoning])

/**
 * What a rollout says per turn: its own usage, whether `last_token_usage` is written, how often
 * the same counters are re-emitted, and whether the running total restarted from zero before it
 * (a reset: Codex's total goes backwards and only `last_token_usage` tells the turn).
 */
const stepArb = fc.record({
  turn: turnArb,
  withLast: fc.boolean(),
  reEmit: fc.nat({ max: 2 }),
  reset: fc.boolean(),
  rateLimitOnly: fc.boolean(),
  modelChange: fc.option(fc.constantFrom('gpt-5', 'gpt-5.2-codex')),
})

type Step = typeof stepArb extends fc.Arbitrary<infer T> ? T : never

interface Rollout {
  lines: string[]
  /** The final total_token_usage of every stretch between resets: what the deltas must add up to. */
  segments: Counters[]
}

function rollout(steps: Step[]): Rollout {
  const lines = [codexTurn(t(0), 'gpt-5')]
  const segments: Counters[] = []
  let total: Counters = [0, 0, 0, 0]
  steps.forEach((s, i) => {
    // A reset is only visible if the new total is below the old one somewhere: make its first
    // turn smaller in input than everything before (real resets start from a fresh, small context).
    const reset = s.reset && total[0] > 0 && s.turn[0] < total[0]
    if (reset) {
      segments.push(total)
      total = [0, 0, 0, 0]
    }
    total = total.map((v, k) => v + (s.turn[k] as number)) as Counters
    if (s.modelChange) lines.push(codexTurn(t(i), s.modelChange))
    // Without a last_token_usage a reset cannot be told from bad data, so a reset always has one.
    const line = codexTokenLine(t(i + 1), total, s.withLast || reset ? s.turn : null)
    lines.push(line)
    for (let r = 0; r < s.reEmit; r++) lines.push(line)
    if (s.rateLimitOnly)
      lines.push(JSON.stringify({ timestamp: t(i + 1), type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: {} } }))
  })
  segments.push(total)
  return { lines, segments }
}

/** Parses lines in order, saving and reloading the state as JSON before line `restartAt` (a restart). */
function parse(lines: string[], restartAt: number): UsageEvent[] {
  let state: CodexState = codexParser.initialState(ctx)
  const events: UsageEvent[] = []
  lines.forEach((line, i) => {
    if (i === restartAt) state = JSON.parse(JSON.stringify(state)) as CodexState
    const out = codexParser.parseLine(line, state, ctx)
    expect(out.kind).not.toBe('skip')
    if (out.kind === 'event') events.push(out.event)
  })
  return events
}

const sum = (events: UsageEvent[], f: (e: UsageEvent) => number) => events.reduce((n, e) => n + f(e), 0)

function expectExclusiveAndNonNegative(e: UsageEvent): void {
  for (const v of [e.input, e.output, e.cacheRead, e.cacheWrite, e.cacheWrite1h]) {
    expect(Number.isSafeInteger(v) && v >= 0, `${e.key}: ${JSON.stringify(e)}`).toBe(true)
  }
  expect(e.cacheWrite).toBe(0)
}

describe('property: Codex turns are the changes in total_token_usage', () => {
  it('the per-turn deltas add up to the final totals (per stretch between resets); re-emitted counters add nothing', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 30 }), fc.nat({ max: 200 }), (steps, restartAt) => {
        const r = rollout(steps)
        const events = parse(r.lines, restartAt % r.lines.length)
        const [input, cached, output] = [0, 1, 2].map((k) => r.segments.reduce((n, seg) => n + (seg[k] as number), 0)) as [
          number,
          number,
          number,
        ]
        // Exclusive buckets: Codex's input holds the cached part, Token Watch's does not.
        expect(sum(events, (e) => e.input + e.cacheRead)).toBe(input)
        expect(sum(events, (e) => e.cacheRead)).toBe(cached)
        expect(sum(events, (e) => e.output)).toBe(output)
        for (const e of events) expectExclusiveAndNonNegative(e)
        // One event per turn that billed anything, never one for a re-emission.
        expect(events).toHaveLength(steps.filter((s) => s.turn[0] + s.turn[1] + s.turn[2] > 0).length)
        // Each turn's key is the family plus its cumulative counters: distinct within a stretch.
        expect(new Set(events.map((e) => e.key)).size).toBe(events.length)
      }),
      { numRuns: 300 },
    )
  })

  it('exclusive buckets are never negative, whatever the counters say (cached above input, totals jumping about)', () => {
    const anyCounters = fc.tuple(fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }), fc.nat({ max: 1e6 }))
    const lineArb = fc
      .record({ total: fc.option(anyCounters), last: fc.option(anyCounters) })
      .map(({ total, last }) => codexTokenLine(t(1), total, last))
    fc.assert(
      fc.property(fc.array(lineArb, { minLength: 1, maxLength: 30 }), (lines) => {
        let state = codexParser.initialState(ctx)
        for (const line of lines) {
          const out = codexParser.parseLine(line, state, ctx)
          if (out.kind === 'event') expectExclusiveAndNonNegative(out.event)
          state = JSON.parse(JSON.stringify(state)) as CodexState
          for (const v of state.last ?? []) expect(Number.isSafeInteger(v) && v >= 0).toBe(true)
        }
      }),
      { numRuns: 300 },
    )
  })
})
