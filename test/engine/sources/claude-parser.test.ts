import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CLAUDE_LINE_TYPES, claudeParser, MAX_REQUEST_TOKENS } from '../../../src/engine/sources/claude-code/parser'
import type { FileContext, LineOutcome } from '../../../src/engine/sources/types'
import { runReport } from '../../../src/engine/query/report'
import { claudeLine, expectAggregatesMatchLedger, fileRow, jsonl, ledgerTotals, makeEnv } from '../ingest/support'

const ctx: FileContext = { path: '/home/u/.claude/projects/-work-app/s1.jsonl', root: '/home/u/.claude/projects', userId: 'alice' }
const TS = '2026-03-01T10:00:00.000Z'

function parse(line: string | object): LineOutcome {
  const text = typeof line === 'string' ? line : JSON.stringify(line)
  return claudeParser.parseLine(text, claudeParser.initialState(ctx), ctx)
}

/** A parsed line with its usage replaced. */
function withUsage(usage: Record<string, unknown>, extra: Record<string, unknown> = {}): LineOutcome {
  const o = JSON.parse(claudeLine({ id: 'x', ts: TS, output: 1 })) as { message: { usage: unknown } }
  o.message.usage = usage
  return parse({ ...o, ...extra })
}

describe('Claude Code parser', () => {
  it('turns an assistant usage line into an event with exclusive buckets and the message+request key', () => {
    const out = parse(
      claudeLine({ id: 'a', ts: TS, input: 3, output: 120, cacheRead: 5000, cacheWrite: 700, cacheWrite1h: 500, sessionId: 's1' }),
    )
    expect(out).toEqual({
      kind: 'event',
      event: {
        key: 'cc:msg_a:req_a',
        ts: Date.parse(TS),
        source: 'claude-code',
        userId: 'alice',
        agentId: 'claude-code',
        project: '/work/app',
        sessionId: 's1',
        model: 'claude-sonnet-4-20250514',
        input: 3,
        output: 120,
        cacheRead: 5000,
        cacheWrite: 700,
        cacheWrite1h: 500,
      },
    })
  })

  it('splits 1-hour from 5-minute cache writes, and never lets the 1-hour part exceed the total', () => {
    const ev = (o: LineOutcome) => (o.kind === 'event' ? [o.event.cacheWrite, o.event.cacheWrite1h] : o)
    expect(
      ev(
        withUsage({
          input_tokens: 1,
          output_tokens: 1,
          cache_creation_input_tokens: 900,
          cache_creation: { ephemeral_5m_input_tokens: 300, ephemeral_1h_input_tokens: 600 },
        }),
      ),
    ).toEqual([900, 600])
    expect(ev(withUsage({ input_tokens: 1, output_tokens: 1, cache_creation_input_tokens: 900 }))).toEqual([900, 0])
    expect(
      ev(
        withUsage({
          input_tokens: 1,
          output_tokens: 1,
          cache_creation_input_tokens: 100,
          cache_creation: { ephemeral_1h_input_tokens: 600 },
        }),
      ),
    ).toEqual([100, 100])
  })

  it('without requestId the key is message.id alone; without cwd the project is the folder under projects/', () => {
    const out = parse(claudeLine({ id: 'a', ts: TS, output: 1, requestId: null, extra: { cwd: undefined } }))
    expect(out).toMatchObject({ kind: 'event', event: { key: 'cc:msg_a', project: '-work-app' } })
  })

  it('keeps a cost the log reported (old Claude Code logs), ignoring nonsense costs', () => {
    expect(parse(claudeLine({ id: 'a', ts: TS, output: 1, extra: { costUSD: 0.12 } }))).toMatchObject({ event: { reportedCostUsd: 0.12 } })
    for (const costUSD of [-1, 'x', null]) {
      const out = parse(claudeLine({ id: 'a', ts: TS, output: 1, extra: { costUSD } }))
      expect(out.kind === 'event' && 'reportedCostUsd' in out.event).toBe(false)
    }
  })

  it('ignores synthetic messages, API error rows, lines without message.usage, and agent_progress mirrors', () => {
    // A Task tool's result in the parent log carries the subagent's total usage: not a request.
    expect(
      parse({
        type: 'user',
        timestamp: TS,
        message: { role: 'user', content: [] },
        toolUseResult: { totalTokens: 5000, usage: { input_tokens: 10, output_tokens: 500 } },
      }),
    ).toEqual({ kind: 'none' })
    expect(parse(claudeLine({ id: 'a', ts: TS, output: 1, model: '<synthetic>' }))).toEqual({ kind: 'none' })
    expect(parse(claudeLine({ id: 'a', ts: TS, output: 1, extra: { isApiErrorMessage: true } }))).toEqual({ kind: 'none' })
    expect(parse({ type: 'user', timestamp: TS, message: { role: 'user', content: 'what is "usage"?' } })).toEqual({ kind: 'none' })
    expect(parse({ type: 'summary', summary: 'usage' })).toEqual({ kind: 'none' })
    expect(parse({ type: 'assistant', timestamp: TS, message: { id: 'm', model: 'x', usage: null } })).toEqual({ kind: 'none' })
    const mirror = JSON.parse(claudeLine({ id: 'sub', ts: TS, output: 9 })) as Record<string, unknown>
    expect(parse({ type: 'progress', timestamp: TS, data: { type: 'agent_progress', message: mirror, agentId: 'a1' } })).toEqual({
      kind: 'none',
    })
  })

  it('skips lines whose fields are invalid as bad-field: token counts, timestamp, message id, model', () => {
    const bad = ['null', '-1', '1.5', '"10"', '"NaN"', '1e400', '1e20', String(2 ** 53), String(MAX_REQUEST_TOKENS + 1), 'true', '{}', '[]']
    for (const value of bad) {
      for (const field of ['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens']) {
        // The bad value goes in as JSON text, so 1e400 really is in the line (it parses to Infinity).
        const o = JSON.parse(claudeLine({ id: 'a', ts: TS, output: 1 })) as { message: { usage: Record<string, unknown> } }
        o.message.usage[field] = '@BAD@'
        expect(parse(JSON.stringify(o).replace('"@BAD@"', value)), `${field} = ${value}`).toEqual({ kind: 'skip', reason: 'bad-field' })
      }
      if (value === String(MAX_REQUEST_TOKENS + 1)) continue // a valid but too-large 1h part is clamped to the total
      const o = JSON.parse(claudeLine({ id: 'a', ts: TS, output: 1, cacheWrite: 5 })) as { message: { usage: Record<string, unknown> } }
      o.message.usage.cache_creation = { ephemeral_1h_input_tokens: '@BAD@' }
      expect(parse(JSON.stringify(o).replace('"@BAD@"', value)), `1h = ${value}`).toEqual({ kind: 'skip', reason: 'bad-field' })
    }
    // Missing counts are zeros; the plausibility limit itself is still a count.
    expect(withUsage({ output_tokens: MAX_REQUEST_TOKENS })).toMatchObject({
      kind: 'event',
      event: { input: 0, output: MAX_REQUEST_TOKENS, cacheRead: 0 },
    })
    // A count that is present but null is not a count: the whole line is malformed, not a zero.
    expect(withUsage({ input_tokens: null, output_tokens: 5 })).toEqual({ kind: 'skip', reason: 'bad-field' })
    expect(withUsage({ output_tokens: null })).toEqual({ kind: 'skip', reason: 'bad-field' })

    const base = JSON.parse(claudeLine({ id: 'a', ts: TS, output: 1 })) as Record<string, unknown> & { message: Record<string, unknown> }
    for (const timestamp of [undefined, '', 'yesterday', 1767225600000, null]) {
      expect(parse({ ...base, timestamp }), `timestamp ${String(timestamp)}`).toEqual({ kind: 'skip', reason: 'bad-field' })
    }
    expect(parse({ ...base, message: { ...base.message, id: undefined } })).toEqual({ kind: 'skip', reason: 'bad-field' })
    expect(parse({ ...base, message: { ...base.message, model: 42 } })).toEqual({ kind: 'skip', reason: 'bad-field' })
  })

  it('a usage that is not an object is bad-field', () => {
    for (const usage of ['none', 42, [1, 2], true]) {
      expect(parse({ type: 'assistant', timestamp: TS, message: { id: 'm', model: 'x', usage } }), JSON.stringify(usage)).toEqual({
        kind: 'skip',
        reason: 'bad-field',
      })
    }
  })

  it('every line type Claude Code writes is known; other types and untyped lines without message.usage are unknown-shape', () => {
    for (const type of CLAUDE_LINE_TYPES) {
      expect(parse({ type, timestamp: TS, note: { usage: 1 } }), type).toEqual({ kind: 'none' })
    }
    const unknown = { kind: 'skip', reason: 'unknown-shape' }
    expect(parse({ type: 'brand-new-type', usage: 'whatever' })).toEqual(unknown)
    // An unknown type is not trusted even with a usage block: it may be a mirror of one counted elsewhere.
    expect(parse({ ...(JSON.parse(claudeLine({ id: 'a', ts: TS, output: 1 })) as object), type: 'assistant-v2' })).toEqual(unknown)
    for (const type of [42, null, true, ['assistant'], { t: 1 }, '']) {
      expect(parse({ ...(JSON.parse(claudeLine({ id: 'a', ts: TS, output: 1 })) as object), type }), JSON.stringify(type)).toEqual(unknown)
    }
    expect(parse({ usage: { input_tokens: 1 } })).toEqual(unknown)
    expect(parse({ message: { role: 'user', content: 'x' }, data: { usage: {} } })).toEqual(unknown)
    // Untyped lines with message.usage (old transcripts, ccusage's fixtures) are requests.
    const untyped = JSON.parse(claudeLine({ id: 'a', ts: TS, output: 1 })) as Record<string, unknown>
    delete untyped.type
    expect(parse(untyped)).toMatchObject({ kind: 'event', event: { key: 'cc:msg_a:req_a' } })
  })

  it('malformed JSON and non-object JSON are malformed-json', () => {
    for (const line of ['{"usage": ', '[{"usage":1}]', '"usage"', 'null', '{"usage":1}}']) {
      expect(parse(line), line).toEqual({ kind: 'skip', reason: 'malformed-json' })
    }
  })
})

describe('Claude Code layouts: subagents and mirrors count once', () => {
  it('an agent_progress mirror in the parent log plus the subagent transcript: one request', async () => {
    const env = makeEnv()
    const project = join(env.claudeProjects, '-work-app')
    const session = 'a1b2c3'
    mkdirSync(join(project, session, 'subagents'), { recursive: true })
    const sub = claudeLine({
      id: 'sub1',
      ts: '2026-03-01T10:00:05Z',
      output: 300,
      input: 7,
      cacheRead: 9000,
      cacheWrite: 1200,
      sessionId: session,
      extra: { isSidechain: true, agentId: 'agent-x' },
    })
    const subEarly = claudeLine({
      id: 'sub1',
      ts: '2026-03-01T10:00:04Z',
      output: 12,
      input: 7,
      cacheRead: 9000,
      cacheWrite: 1200,
      sessionId: session,
      extra: { isSidechain: true, agentId: 'agent-x' },
    })
    const parent = [
      claudeLine({ id: 'main1', ts: '2026-03-01T10:00:00Z', output: 50, input: 4, cacheRead: 2000, sessionId: session }),
      // Claude Code mirrors the subagent's assistant message, usage and all, nested in a progress line.
      JSON.stringify({
        type: 'progress',
        timestamp: '2026-03-01T10:00:06Z',
        sessionId: session,
        toolUseID: 'toolu_1',
        parentToolUseID: 'toolu_1',
        data: { type: 'agent_progress', agentId: 'agent-x', prompt: 'look', message: JSON.parse(sub) as unknown, normalizedMessages: [] },
      }),
      claudeLine({ id: 'main2', ts: '2026-03-01T10:01:00Z', output: 80, input: 2, cacheRead: 2500, sessionId: session }),
    ]
    writeFileSync(join(project, `${session}.jsonl`), jsonl(parent))
    writeFileSync(join(project, session, 'subagents', 'agent-agent-x.jsonl'), jsonl([subEarly, sub]))
    // A sidechain replay of the subagent's message in another file of the project.
    writeFileSync(join(project, 'replay.jsonl'), jsonl([sub]))

    const s = await env.scan()
    expect(s.skipped).toBe(0)
    expect(ledgerTotals(env.store)).toEqual({ input: 13, output: 430, cacheRead: 13_500, cacheWrite: 1200, requests: 3 })
    expect(env.store.db.prepare("SELECT ts FROM usage_events WHERE key = 'cc:msg_sub1:req_sub1'").pluck().get()).toBe(
      Date.parse('2026-03-01T10:00:04Z'),
    )
    expect(fileRow(env.store, join(project, `${session}.jsonl`))).toMatchObject({ lines: 3, events: 2 })
    const bySession = runReport(env.store, { tz: 'UTC', groupBy: ['session'] })
    expect(bySession.rows.map((r) => [r.session, r.requests, r.output])).toEqual([[session, 3, 430]])
    expectAggregatesMatchLedger(env.store)
  })
})
