import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { CODEX_LINE_TYPES, codexParser, type CodexState } from '../../../src/engine/sources/codex/parser'
import type { FileContext, LineOutcome } from '../../../src/engine/sources/types'
import type { UsageEvent } from '../../../src/shared/usage'
import { runReport } from '../../../src/engine/query/report'
import { codexMeta, codexTokenLine, codexTurn, expectAggregatesMatchLedger, jsonl, ledgerTotals, makeEnv } from '../ingest/support'

const t = (s: number) => new Date(Date.parse('2026-05-13T10:00:00Z') + s * 1000).toISOString()

/** Parses lines of one rollout in order, as the reader does; returns outcomes and the final state. */
function run(
  lines: string[],
  path = '/c/sessions/2026/05/13/rollout-abc.jsonl',
): { out: LineOutcome[]; events: UsageEvent[]; state: CodexState } {
  const ctx: FileContext = { path, root: '/c/sessions', userId: 'u' }
  const state = codexParser.initialState(ctx)
  const out = lines.map((l) => codexParser.parseLine(l, state, ctx))
  return { out, events: out.flatMap((o) => (o.kind === 'event' ? [o.event] : [])), state }
}

const tokens = (e: UsageEvent) => [e.input, e.cacheRead, e.output]

describe('Codex parser', () => {
  it('a turn is the change in total_token_usage; cached input is made exclusive; keys are family + counters', () => {
    const { events, state } = run([
      codexMeta(t(0), 'sess-1', undefined, '/work/proj'),
      codexTurn(t(0), 'gpt-5.2-codex'),
      codexTokenLine(t(1), [1000, 400, 50, 10], [1000, 400, 50, 10]),
      codexTokenLine(t(2), [1800, 1100, 90, 10], [800, 700, 40, 0]),
    ])
    expect(events.map(tokens)).toEqual([
      [600, 400, 50],
      [100, 700, 40],
    ])
    expect(events.map((e) => e.key)).toEqual(['codex:sess-1:1000:400:50:10', 'codex:sess-1:1800:1100:90:10'])
    expect(events[0]).toMatchObject({
      source: 'codex',
      agentId: 'codex',
      sessionId: 'sess-1',
      project: '/work/proj',
      model: 'gpt-5.2-codex',
      cacheWrite: 0,
      ts: Date.parse(t(1)),
    })
    expect(state.last).toEqual([1800, 1100, 90, 10])
  })

  it('re-emitted identical totals add nothing; a rate-limit-only token_count (info null) is ignored', () => {
    const { out, events } = run([
      codexTokenLine(t(1), [100, 0, 10, 0], [100, 0, 10, 0]),
      codexTokenLine(t(2), [100, 0, 10, 0], [100, 0, 10, 0]),
      JSON.stringify({
        timestamp: t(3),
        type: 'event_msg',
        payload: { type: 'token_count', info: null, rate_limits: { primary: { used_percent: 5 } } },
      }),
      codexTokenLine(t(4), [150, 0, 12, 0], [50, 0, 2, 0]),
    ])
    expect(out.map((o) => o.kind)).toEqual(['event', 'none', 'none', 'event'])
    expect(events.map(tokens)).toEqual([
      [100, 0, 10],
      [50, 0, 2],
    ])
  })

  it('a counter reset (total goes backwards) counts the turn from last_token_usage and follows the new totals', () => {
    const { events, state } = run([
      codexTokenLine(t(1), [5000, 1000, 300, 0], [5000, 1000, 300, 0]),
      codexTokenLine(t(2), [200, 0, 20, 0], [200, 0, 20, 0]), // reset
      codexTokenLine(t(3), [500, 100, 50, 0], [300, 100, 30, 0]),
    ])
    expect(events.map(tokens)).toEqual([
      [4000, 1000, 300],
      [200, 0, 20],
      [200, 100, 30],
    ])
    expect(state.last).toEqual([500, 100, 50, 0])
  })

  it('without total_token_usage the turn is last_token_usage, and the running total is kept up', () => {
    const { events } = run([
      codexTokenLine(t(1), null, [100, 20, 5, 0]),
      codexTokenLine(t(2), null, [100, 20, 5, 0]), // the same turn size again is a new turn
      codexTokenLine(t(3), [300, 60, 20, 0], [100, 20, 10, 0]),
    ])
    expect(events.map(tokens)).toEqual([
      [80, 20, 5],
      [80, 20, 5],
      [80, 20, 10],
    ])
    expect(events.map((e) => e.key)).toEqual([
      'codex:rollout-abc:100:20:5:0',
      'codex:rollout-abc:200:40:10:0',
      'codex:rollout-abc:300:60:20:0',
    ])
  })

  it('the model follows turn_context (and token_count info) as it changes mid-file', () => {
    const { events } = run([
      codexTurn(t(0), 'gpt-5.2-codex'),
      codexTokenLine(t(1), [100, 0, 10, 0], null),
      codexTurn(t(2), 'gpt-5.3-codex'),
      codexTokenLine(t(3), [200, 0, 20, 0], null),
      codexTokenLine(t(4), [300, 0, 30, 0], null, 'gpt-5.4'),
    ])
    expect(events.map((e) => e.model)).toEqual(['gpt-5.2-codex', 'gpt-5.3-codex', 'gpt-5.4'])
    // A token_count before any model is known is kept, as model "unknown" (counted, unpriced).
    expect(run([codexTokenLine(t(1), [1, 0, 1, 0], null)]).events[0]?.model).toBe('unknown')
  })

  it('cached input larger than input is clamped; no timestamp or no usable counters is bad-field', () => {
    expect(run([codexTokenLine(t(1), [100, 150, 10, 0], null)]).events.map(tokens)).toEqual([[0, 100, 10]])
    const noTs = JSON.parse(codexTokenLine(t(1), [1, 0, 1, 0], null)) as Record<string, unknown>
    delete noTs.timestamp
    expect(run([JSON.stringify(noTs)]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    expect(run([codexTokenLine(t(1), null, null)]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    expect(run([codexTokenLine(t(1), [-1, 0, 1, 0], null)]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    // Any count in either block that is not a non-negative integer makes the whole line malformed.
    expect(run([codexTokenLine(t(1), [1.5, 0, 1, 0], [1, 0, 1, 0])]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    const nullInput = JSON.parse(codexTokenLine(t(1), [100, 0, 10, 0], [100, 0, 10, 0])) as {
      payload: { info: Record<string, Record<string, unknown>> }
    }
    nullInput.payload.info.total_token_usage!.input_tokens = null
    expect(run([JSON.stringify(nullInput)]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    nullInput.payload.info.total_token_usage!.input_tokens = 100
    nullInput.payload.info.last_token_usage!.output_tokens = null
    expect(run([JSON.stringify(nullInput)]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    // A null cached count too, though Codex has another name for it that is absent here.
    nullInput.payload.info.last_token_usage!.output_tokens = 10
    nullInput.payload.info.last_token_usage!.cached_input_tokens = null
    expect(run([JSON.stringify(nullInput)]).out).toEqual([{ kind: 'skip', reason: 'bad-field' }])
    expect(run(['{"type":"event_msg","payload":{"type":"token_count"']).out).toEqual([{ kind: 'skip', reason: 'malformed-json' }])
  })

  it('known line types without usage bill nothing; other types, untyped lines and missing payloads are unknown-shape', () => {
    const line = (o: object) => JSON.stringify({ timestamp: t(1), ...o })
    const { out, state } = run([
      line({
        type: 'response_item',
        payload: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'see token_count' }] },
      }),
      line({ type: 'event_msg', payload: { type: 'agent_message', message: 'token_count is 3' } }),
      line({ type: 'compacted', payload: { message: 'summary mentioning turn_context' } }),
      line({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'token_count' }] }), // a pre-payload rollout
      line({ type: 'token_count_v2', payload: { info: {} } }),
      line({ payload: { type: 'token_count', info: { total_token_usage: { input_tokens: 5 } } } }),
      line({ type: 7, payload: {} }),
      line({ type: 'event_msg', payload: 'token_count' }),
      line({ type: 'turn_context' }),
      line({ type: 'event_msg', payload: { type: 'token_count', info: 'x' } }),
      codexTokenLine(t(2), [100, 0, 10, 0], null),
    ])
    const unknown = { kind: 'skip', reason: 'unknown-shape' }
    expect(out).toEqual([
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'none' },
      { kind: 'none' },
      unknown,
      unknown,
      unknown,
      unknown,
      unknown,
      { kind: 'skip', reason: 'bad-field' },
      expect.objectContaining({ kind: 'event' }),
    ])
    // Skipped lines leave the running totals alone.
    expect(state.last).toEqual([100, 0, 10, 0])
    expect([...CODEX_LINE_TYPES].sort()).toEqual(['compacted', 'event_msg', 'response_item', 'session_meta', 'turn_context'])
  })

  it('a fork replays its parent under the parent family, so the replay carries the parent keys', () => {
    const parentLines = [
      codexMeta(t(0), 'parent'),
      codexTurn(t(0), 'm'),
      codexTokenLine(t(1), [100, 0, 10, 0], null),
      codexTokenLine(t(2), [300, 50, 30, 0], null),
    ]
    const parent = run(parentLines, '/c/sessions/parent.jsonl')
    const child = run(
      [codexMeta(t(5), 'child', 'parent'), codexTurn(t(5), 'm'), ...parentLines.slice(2), codexTokenLine(t(6), [400, 50, 45, 0], null)],
      '/c/sessions/child.jsonl',
    )
    expect(child.events.slice(0, 2).map((e) => e.key)).toEqual(parent.events.map((e) => e.key))
    expect(child.events[2]).toMatchObject({ key: 'codex:parent:400:50:45:0', sessionId: 'child' })
  })
})

describe('Codex layouts', () => {
  // KNOWN LIMITATION (reported, not fixed): a fork of a fork names only its direct parent in
  // forked_from_id, so its replay of the grandparent's turns carries the parent's family, not the
  // grandparent's, and those turns are counted again. Fixing it needs the fork's root, which no
  // single rollout holds. This test states the right answer; it is expected to fail until then.
  it('a fork of a fork replays the root family once', async () => {
    const env = makeEnv()
    const turns = [codexTokenLine(t(1), [100, 0, 10, 0], null), codexTokenLine(t(2), [300, 0, 30, 0], null)]
    const childOwn = codexTokenLine(t(3), [400, 0, 40, 0], null)
    const grandOwn = codexTokenLine(t(4), [500, 0, 50, 0], null)
    const dir = join(env.codexHome, 'sessions')
    writeFileSync(join(dir, 'root.jsonl'), jsonl([codexMeta(t(0), 'root'), codexTurn(t(0), 'm'), ...turns]))
    writeFileSync(join(dir, 'child.jsonl'), jsonl([codexMeta(t(0), 'child', 'root'), codexTurn(t(0), 'm'), ...turns, childOwn]))
    writeFileSync(join(dir, 'grand.jsonl'), jsonl([codexMeta(t(0), 'grand', 'child'), codexTurn(t(0), 'm'), ...turns, childOwn, grandOwn]))
    await env.scan()
    expect(ledgerTotals(env.store)).toMatchObject({ input: 500, output: 50, requests: 4 })
  })

  it('parent and fork across sessions/ and archived_sessions/: the replay counts once, in the parent', async () => {
    const env = makeEnv()
    const parentLines = [
      codexMeta(t(0), 'p-1', undefined, '/work/p'),
      codexTurn(t(0), 'gpt-5'),
      codexTokenLine(t(10), [1000, 200, 100, 0], [1000, 200, 100, 0]),
      codexTokenLine(t(20), [2500, 1200, 160, 0], [1500, 1000, 60, 0]),
    ]
    const childLines = [
      codexMeta(t(3600), 'c-1', 'p-1', '/work/p'),
      codexTurn(t(3600), 'gpt-5'),
      ...parentLines.slice(2).map((l) => l.replace(/"timestamp":"[^"]+"/, `"timestamp":"${t(3600)}"`)),
      codexTokenLine(t(3700), [3000, 1200, 200, 0], [500, 0, 40, 0]),
    ]
    mkdirSync(join(env.codexHome, 'sessions', '2026', '05', '13'), { recursive: true })
    mkdirSync(join(env.codexHome, 'archived_sessions'), { recursive: true })
    // The child is scanned first (archived_sessions sorts before sessions): the parent's first instant still wins.
    writeFileSync(join(env.codexHome, 'archived_sessions', 'rollout-c-1.jsonl'), jsonl(childLines))
    writeFileSync(join(env.codexHome, 'sessions', '2026', '05', '13', 'rollout-p-1.jsonl'), jsonl(parentLines))
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual({ input: 800 + 500 + 500, output: 200, cacheRead: 1200, cacheWrite: 0, requests: 3 })
    const bySession = runReport(env.store, { tz: 'UTC', groupBy: ['session'] })
    expect(bySession.rows.map((r) => [r.session, r.requests, r.input])).toEqual([
      ['c-1', 1, 500],
      ['p-1', 2, 1300],
    ])
    expect(runReport(env.store, { tz: 'UTC', groupBy: ['hour'] }).rows.map((r) => [r.hour, r.requests])).toEqual([
      ['2026-05-13T10:00', 2],
      ['2026-05-13T11:00', 1],
    ])
    expectAggregatesMatchLedger(env.store)
  })
})
