import { describe, expect, it } from 'vitest'
import { decodeEvent, decodeLine, externalKey } from '../../../src/engine/push/decode-event'
import { implicitSessionHour } from '../../../src/shared/implicit-session'

const NOW = Date.UTC(2026, 2, 1, 12)
const D = { userId: 'alice', source: 'socket' as const }
const base = { agentId: 'bot', model: 'claude-opus-4-6' }

function error(obj: unknown): string {
  const r = decodeEvent(obj, NOW, D)
  if (r.ok) throw new Error('expected an error')
  return r.error
}

describe('decodeEvent', () => {
  it('decodes a full report into an exclusive-bucket event with an idempotent key', () => {
    const r = decodeEvent(
      {
        ...base,
        id: 'req-1',
        ts: '2026-03-01T10:15:00.250+01:00',
        userId: 'bob',
        project: 'p',
        sessionId: 's',
        input: 10,
        output: 20,
        cacheRead: 30,
        cacheWrite: 40,
        cacheWrite1h: 15,
        costUsd: 0.125,
      },
      NOW,
      D,
    )
    expect(r).toEqual({
      ok: true,
      id: 'req-1',
      event: {
        key: 'ext:bot:req-1',
        ts: Date.UTC(2026, 2, 1, 9, 15, 0, 250),
        source: 'socket',
        userId: 'bob',
        agentId: 'bot',
        project: 'p',
        sessionId: 's',
        model: 'claude-opus-4-6',
        input: 10,
        output: 20,
        cacheRead: 30,
        cacheWrite: 40,
        cacheWrite1h: 15,
        reportedCostUsd: 0.125,
      },
    })
  })

  it('fills defaults: now, the default user, empty project, the implicit session, zero buckets, a random id', () => {
    const r = decodeEvent(base, NOW, { userId: 'alice', source: 'http' })
    if (!r.ok) throw new Error(r.error)
    expect(r.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.event).toEqual({
      key: `ext:bot:${r.id}`,
      ts: NOW,
      source: 'http',
      userId: 'alice',
      agentId: 'bot',
      project: '',
      sessionId: 'implicit:bot:alice:2026-03-01T12Z',
      model: 'claude-opus-4-6',
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
      cacheWrite1h: 0,
    })
    const again = decodeEvent(base, NOW, D)
    expect(again.ok && again.id).not.toBe(r.id)
  })

  it('gives events without a session id one implicit session per agent, user and UTC hour', () => {
    const session = (o: Record<string, unknown>): string => {
      const r = decodeEvent({ ...base, ...o }, NOW, D)
      if (!r.ok) throw new Error(r.error)
      return r.event.sessionId
    }
    // Two agents in the same hour: two sessions, never one blank one.
    expect(session({ agentId: 'bot' })).toBe('implicit:bot:alice:2026-03-01T12Z')
    expect(session({ agentId: 'eval' })).toBe('implicit:eval:alice:2026-03-01T12Z')
    expect(session({ userId: 'bob' })).toBe('implicit:bot:bob:2026-03-01T12Z')
    // The same agent and user: one session per UTC hour.
    expect(session({ ts: NOW + 59 * 60_000 + 59_999 })).toBe('implicit:bot:alice:2026-03-01T12Z')
    expect(session({ ts: NOW + 3_600_000 })).toBe('implicit:bot:alice:2026-03-01T13Z')
    // A name with the separator cannot forge another pair's session.
    expect(session({ agentId: 'a:b', userId: 'c' })).not.toBe(session({ agentId: 'a', userId: 'b:c' }))
    // A named session is kept as sent.
    expect(session({ sessionId: 'run-7' })).toBe('run-7')
    expect(implicitSessionHour(session({}))).toBe(NOW)
    expect(implicitSessionHour('run-7')).toBeNull()
  })

  it('treats null as absent and accepts epoch milliseconds (fractions dropped)', () => {
    const r = decodeEvent({ ...base, project: null, ts: NOW - 1000.7, input: null }, NOW, D)
    expect(r.ok && [r.event.ts, r.event.project, r.event.input]).toEqual([NOW - 1001, '', 0])
  })

  it.each([
    [{ model: 'm' }, 'agentId: required'],
    [{ agentId: 'a' }, 'model: required'],
    [{ ...base, agentId: '' }, 'agentId: must not be empty'],
    [{ ...base, agentId: 7 }, 'agentId: must be a string'],
    [{ ...base, input: -1 }, 'input: must be a non-negative integer'],
    [{ ...base, output: 1.5 }, 'output: must be a non-negative integer'],
    [{ ...base, cacheRead: '12' }, 'cacheRead: must be a non-negative integer'],
    [{ ...base, cacheWrite: Number.NaN }, 'cacheWrite: must be a non-negative integer'],
    [{ ...base, input: 1e9 + 1 }, 'input: must be at most 1000000000 tokens per request (refused)'],
    [{ ...base, output: 1e12 }, 'output: must be at most 1000000000 tokens per request (refused)'],
    [{ ...base, cacheRead: 2 ** 53 }, 'cacheRead: must be at most 1000000000 tokens per request (refused)'],
    [{ ...base, costUsd: 1e6 + 1 }, 'costUsd: must be at most 1000000 USD per request (refused)'],
    [{ ...base, cacheWrite: 5, cacheWrite1h: 6 }, 'cacheWrite1h: must not exceed cacheWrite (it is the 1-hour part of it)'],
    [{ ...base, costUsd: -0.01 }, 'costUsd: must be a non-negative number'],
    [{ ...base, costUsd: '1' }, 'costUsd: must be a non-negative number'],
    [{ ...base, ts: 'yesterday' }, 'ts: must be ISO 8601 with a zone (e.g. 2026-03-01T12:00:00Z) or epoch milliseconds'],
    [{ ...base, ts: '2026-03-01T12:00:00' }, 'ts: must be ISO 8601 with a zone (e.g. 2026-03-01T12:00:00Z) or epoch milliseconds'],
    [{ ...base, ts: 1772366400 }, 'ts: is before 2000 (epoch seconds instead of milliseconds?)'],
    [{ ...base, ts: NOW + 86_400_001 }, 'ts: is more than a day in the future'],
    [{ ...base, ts: true }, 'ts: must be an ISO 8601 string or epoch milliseconds'],
    [{ ...base, id: 'x'.repeat(257) }, 'id: must be at most 256 characters'],
    [{ ...base, cache_read: 5 }, 'cache_read: unknown field'],
    [[base], 'event: must be a JSON object'],
    [null, 'event: must be a JSON object'],
  ])('refuses %j with %j', (obj, message) => {
    expect(error(obj)).toBe(message)
  })

  it('echoes the sender id in errors so a pipelining sender can match them', () => {
    expect(decodeEvent({ ...base, id: 'r9', input: -5 }, NOW, D)).toEqual({
      ok: false,
      id: 'r9',
      error: 'input: must be a non-negative integer',
      reason: 'bad-field',
    })
    // Each refusal carries the reason the sources panel counts it under.
    expect(decodeEvent({ ...base, output: 1e12 }, NOW, D)).toMatchObject({ ok: false, reason: 'too-large' })
  })

  it('escapes : and % in the agent so keys of different agents cannot collide', () => {
    expect(externalKey('a:b', 'c')).toBe('ext:a%3Ab:c')
    expect(externalKey('a', 'b:c')).toBe('ext:a:b:c')
    expect(externalKey('100%', 'x')).toBe('ext:100%25:x')
  })

  it('decodeLine reports unparsable lines as error values', () => {
    expect(decodeLine('{"agentId":', NOW, D)).toEqual({ ok: false, error: 'line is not valid JSON', reason: 'malformed-json' })
    expect(decodeLine('[{"agentId":"a"}]', NOW, D)).toEqual({ ok: false, error: 'line is not a JSON object', reason: 'malformed-json' })
    expect(decodeLine('garbage', NOW, D)).toEqual({ ok: false, error: 'line is not a JSON object', reason: 'malformed-json' })
    expect(decodeLine(' {"agentId":"a","model":"m","id":"x"}', NOW, D)).toMatchObject({ ok: true, id: 'x' })
  })
})
