import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLAUDE_LINE_TYPES, claudeParser } from '../../../src/engine/sources/claude-code/parser'
import { CODEX_LINE_TYPES, codexParser } from '../../../src/engine/sources/codex/parser'
import { plausibleTime } from '../../../src/engine/sources/parse-helpers'
import type { FileContext, LineOutcome, LineParser, SkipReason } from '../../../src/engine/sources/types'
import { FIXTURES } from '../../helpers/temp'
import { ledgerTotals, makeEnv } from '../ingest/support'

const REASONS: readonly SkipReason[] = [
  'malformed-json',
  'invalid-utf8',
  'line-too-long',
  'bad-field',
  'implausible-time',
  'binary',
  'unknown-shape',
]

const claudeCtx: FileContext = { path: '/h/.claude/projects/-w/s.jsonl', root: '/h/.claude/projects', userId: 'u' }
const codexCtx: FileContext = {
  path: '/h/.codex/sessions/r.jsonl',
  root: '/h/.codex/sessions',
  userId: 'u',
  familyOf: (id) => `root-of-${id}`,
}

/** Real lines from the fixtures: the starting point for mutations. */
const realLines = (files: string[]) =>
  files.flatMap((f) =>
    readFileSync(join(FIXTURES, f), 'utf8')
      .split('\n')
      .filter((l) => l.length > 0),
  )
const CLAUDE_LINES = realLines(['claude_real/spotter__short.jsonl', 'ccusage/claude_project-alpha_chat.jsonl'])
const CODEX_LINES = realLines([
  'ccusage/codex_session-alpha.jsonl',
  'codexbar/Issue2037__harness-smoke_codex-home_archived_sessions_child.jsonl',
  'tokscale/codex_task_started_duration.jsonl',
])

/** Any JSON value, in the places the parsers look. */
const anyJson = fc.jsonValue({ maxDepth: 4 })
const claudeShaped = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...CLAUDE_LINE_TYPES), anyJson),
      timestamp: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        anyJson,
      ),
      requestId: anyJson,
      cwd: anyJson,
      sessionId: anyJson,
      costUSD: anyJson,
      isApiErrorMessage: anyJson,
      message: fc.oneof(
        anyJson,
        fc.record(
          {
            id: anyJson,
            model: anyJson,
            usage: fc.oneof(
              anyJson,
              fc.dictionary(
                fc.constantFrom(
                  'input_tokens',
                  'output_tokens',
                  'cache_read_input_tokens',
                  'cache_creation_input_tokens',
                  'cache_creation',
                ),
                anyJson,
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o))
const codexShaped = fc
  .record(
    {
      type: fc.oneof(fc.constantFrom(...CODEX_LINE_TYPES), anyJson),
      timestamp: fc.oneof(
        fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
        anyJson,
      ),
      payload: fc.oneof(
        anyJson,
        fc.record(
          {
            type: fc.oneof(fc.constant('token_count'), anyJson),
            id: anyJson,
            forked_from_id: anyJson,
            cwd: anyJson,
            model: anyJson,
            info: fc.oneof(
              anyJson,
              fc.record(
                {
                  model: anyJson,
                  total_token_usage: anyJson,
                  last_token_usage: fc.oneof(
                    anyJson,
                    fc.dictionary(
                      fc.constantFrom(
                        'input_tokens',
                        'cached_input_tokens',
                        'cache_read_input_tokens',
                        'output_tokens',
                        'reasoning_output_tokens',
                      ),
                      anyJson,
                    ),
                  ),
                },
                { requiredKeys: [] },
              ),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  )
  .map((o) => JSON.stringify(o))

/** A real line cut short, with characters replaced, or with a value swapped for any JSON. */
function mutated(lines: string[]) {
  return fc
    .record({
      line: fc.constantFrom(...lines),
      cut: fc.nat(),
      at: fc.nat(),
      ch: fc.string({ unit: 'binary', minLength: 1, maxLength: 3 }),
      how: fc.nat({ max: 2 }),
      json: anyJson,
    })
    .map(({ line, cut, at, ch, how, json }) => {
      if (how === 0) return line.slice(0, cut % (line.length + 1))
      const i = at % line.length
      if (how === 1) return line.slice(0, i) + ch + line.slice(i + ch.length)
      // Replace the first number after position i with some JSON.
      return line.slice(0, i) + line.slice(i).replace(/-?\d+(\.\d+)?/, JSON.stringify(json) ?? 'null')
    })
}

/** Arbitrary text: any code points, bytes decoded either way, deep nesting, huge numbers. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('utf8')),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
  fc.nat({ max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n)),
  fc.nat({ max: 5_000 }).map((n) => '{"message":'.repeat(n) + '{"usage":{}}' + '}'.repeat(n)),
  fc.constantFrom(
    '{"__proto__":{"usage":{"input_tokens":1}}}',
    '{"message":{"usage":{"input_tokens":1e999}}}',
    '{"type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":9007199254740993}}}}',
  ),
)

/** An outcome is one of the three kinds; an event is a real request: finite, plausible, exclusive, integral. */
function expectWellFormed(out: LineOutcome): void {
  switch (out.kind) {
    case 'none':
      return
    case 'skip':
      expect(REASONS).toContain(out.reason)
      return
    case 'event': {
      const e = out.event
      expect(typeof e.key === 'string' && e.key.length > 0).toBe(true)
      expect(plausibleTime(e.ts)).toBe(true)
      for (const v of [e.input, e.output, e.cacheRead, e.cacheWrite, e.cacheWrite1h]) expect(Number.isSafeInteger(v) && v >= 0).toBe(true)
      expect(e.cacheWrite1h).toBeLessThanOrEqual(e.cacheWrite)
      for (const v of [e.model, e.project, e.sessionId, e.userId]) expect(typeof v).toBe('string')
      if (e.reportedCostUsd !== undefined) expect(Number.isFinite(e.reportedCostUsd) && e.reportedCostUsd >= 0).toBe(true)
      return
    }
  }
}

/** Feeds lines through a parser as the reader does, state carried and saved as JSON between lines. */
function feed<S>(parser: LineParser<S>, ctx: FileContext, lines: string[]): void {
  let state = parser.initialState(ctx)
  for (const line of lines) {
    let out: LineOutcome | undefined
    expect(() => (out = parser.parseLine(line, state, ctx)), JSON.stringify(line).slice(0, 300)).not.toThrow()
    expectWellFormed(out as LineOutcome)
    state = JSON.parse(JSON.stringify(state)) as S
  }
}

describe('property: the log parsers never throw, whatever a line holds', () => {
  it('Claude Code: arbitrary text, bytes, JSON in every field, mutated real lines', () => {
    const line = fc.oneof(anyText, claudeShaped, mutated(CLAUDE_LINES), fc.constantFrom(...CLAUDE_LINES))
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), (lines) => feed(claudeParser, claudeCtx, lines)),
      { numRuns: 400 },
    )
  })

  it('Codex: arbitrary text, bytes, JSON in every field, mutated real lines', () => {
    const line = fc.oneof(anyText, codexShaped, mutated(CODEX_LINES), fc.constantFrom(...CODEX_LINES))
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 20 }), (lines) => feed(codexParser, codexCtx, lines)),
      { numRuns: 400 },
    )
  })

  it('through the reader and a real store: random bytes around the needles scan without an error and count no usage', async () => {
    const needles = ['"usage"', 'token_count', 'session_meta', 'turn_context', '\n', '\r\n', '{', '}']
    const chunk = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.constantFrom(...needles).map((n) => Buffer.from(n)),
    )
    await fc.assert(
      fc.asyncProperty(fc.array(chunk, { maxLength: 60 }), fc.array(chunk, { maxLength: 60 }), async (a, b) => {
        const env = makeEnv()
        try {
          writeFileSync(join(env.claudeProjects, 'app', 'noise.jsonl'), Buffer.concat(a))
          writeFileSync(join(env.codexHome, 'sessions', 'noise.jsonl'), Buffer.concat(b))
          const s = await env.scan()
          expect(s.errors).toEqual([])
          expect(s.skipped).toBe(Object.values(s.skipReasons).reduce((n, k) => n + k, 0))
          expect(ledgerTotals(env.store).requests).toBe(0)
        } finally {
          env.store.close()
        }
      }),
      { numRuns: 40 },
    )
  })
})
