import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { mkdirSync, writeFileSync } from 'node:fs'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { listSessions, sessionEvents } from '../../../src/engine/query/sessions'
import { todaySpend } from '../../../src/engine/query/today'
import { listDimensions } from '../../../src/engine/query/dimensions'
import { unpricedModels } from '../../../src/engine/query/status'
import { ensureRollup } from '../../../src/engine/projections/rollup'
import { sourceStatus } from '../../../src/engine/query/source-status'
import { createLogSources } from '../../../src/engine/sources/registry'
import { LOG_SOURCE_IDS, isLogSourceId, sourceDescriptor } from '../../../src/shared/sources'
import type { UsageEvent } from '../../../src/shared/usage'
import type { PriceTable } from '../../../src/engine/pricing/types'
import { tempDir } from '../../helpers/temp'
import { claudeLine, event, jsonl, makeEnv } from '../ingest/support'

const Z = (iso: string) => Date.parse(iso)

function storeWith(events: UsageEvent[], cost: (e: UsageEvent) => number | null): Store {
  const store = openStore(join(tempDir(), 'tw.db'))
  applyBatch(store, [{ events }], cost)
  return store
}

const cost = (e: UsageEvent) => (e.model === 'mystery' ? null : e.output * 1_000_000 + e.input * 1000)

const rates = (matched: string) => ({
  matched,
  origin: 'override' as const,
  input: 1,
  output: 2,
  cacheRead: 0.1,
  cacheWrite5m: 1.25,
  cacheWrite1h: 2,
  tiers: [],
})
/** Knows a price for m1 only: m2 and mystery do not resolve. */
const prices: PriceTable = { version: 'm1', resolve: (model) => (model === 'm1' ? rates(model) : undefined) }

describe('sessions', () => {
  const events = [
    event('a1', '2026-03-01T10:00:00Z', { sessionId: 's-a', model: 'sonnet', output: 10, input: 1 }),
    event('a2', '2026-03-01T10:30:00Z', { sessionId: 's-a', model: 'opus', output: 20, input: 2 }),
    event('a3', '2026-03-01T10:45:00Z', { sessionId: 's-a', model: 'mystery', output: 5, input: 0, cacheRead: 0 }),
    event('b1', '2026-03-01T12:00:00Z', { sessionId: 's-b', model: 'sonnet', output: 1, input: 1, userId: 'bob', project: '/q' }),
  ]

  it('lists sessions most recent first with their figures, models and span', () => {
    const store = storeWith(events, cost)
    const list = listSessions(store, { tz: 'UTC' })
    expect(list.map((s) => s.sessionId)).toEqual(['s-b', 's-a'])
    expect(list[1]).toEqual({
      sessionId: 's-a',
      source: 'claude-code',
      userId: 'u1',
      agentId: 'claude-code',
      project: '/work/app',
      models: ['mystery', 'opus', 'sonnet'],
      firstTs: Z('2026-03-01T10:00:00Z'),
      lastTs: Z('2026-03-01T10:45:00Z'),
      input: 3,
      output: 35,
      cacheRead: 200,
      cacheWrite: 0,
      requests: 3,
      costUsd: 0.030003,
      unpricedTokens: 5,
    })
    expect(listSessions(store, { tz: 'UTC', users: ['bob'] }).map((s) => s.sessionId)).toEqual(['s-b'])
    expect(listSessions(store, { tz: 'UTC', from: Z('2026-03-01T10:30:00Z'), to: Z('2026-03-01T12:00:00Z') })).toMatchObject([
      { sessionId: 's-a', requests: 2 },
    ])
    expect(listSessions(store, { tz: 'UTC' }, 1)).toHaveLength(1)
  })

  it("gives one session's requests in time order, unpriced ones marked", () => {
    const store = storeWith(events, cost)
    expect(sessionEvents(store, 's-a').map((e) => [e.ts, e.model, e.output, e.costUsd, e.unpricedTokens])).toEqual([
      [Z('2026-03-01T10:00:00Z'), 'sonnet', 10, 0.010001, 0],
      [Z('2026-03-01T10:30:00Z'), 'opus', 20, 0.020002, 0],
      [Z('2026-03-01T10:45:00Z'), 'mystery', 5, 0, 5],
    ])
    expect(sessionEvents(store, 'nope')).toEqual([])
  })
})

describe('today', () => {
  it("sums the viewer's local day, with the top models by cost", () => {
    const store = storeWith(
      [
        // Kolkata's 2026-03-01 is [2026-02-28T18:30Z, 2026-03-01T18:30Z).
        event('x', '2026-02-28T18:29:59Z', { model: 'opus', output: 1000 }),
        event('a', '2026-02-28T18:30:00Z', { model: 'sonnet', output: 10, input: 0 }),
        event('b', '2026-03-01T12:00:00Z', { model: 'opus', output: 30, input: 0 }),
        event('c', '2026-03-01T18:29:00Z', { model: 'mystery', output: 7, input: 0, cacheRead: 0 }),
        event('y', '2026-03-01T18:30:00Z', { model: 'opus', output: 1000 }),
      ],
      cost,
    )
    const t = todaySpend(store, 'Asia/Kolkata', Z('2026-03-01T09:00:00Z'))
    expect(t).toEqual({
      day: '2026-03-01',
      tz: 'Asia/Kolkata',
      costUsd: 0.04,
      tokens: 10 + 100 + 30 + 100 + 7,
      requests: 3,
      unpricedTokens: 7,
      topModels: [
        { model: 'opus', costUsd: 0.03, tokens: 130 },
        { model: 'sonnet', costUsd: 0.01, tokens: 110 },
        { model: 'mystery', costUsd: 0, tokens: 7 },
      ],
    })
    expect(todaySpend(store, 'UTC', Z('2026-03-05T00:00:00Z'))).toMatchObject({ day: '2026-03-05', requests: 0, topModels: [] })
  })
})

describe('dimensions and source status', () => {
  it('lists the distinct filter values and the span of the data', () => {
    const store = storeWith(
      [
        event('a', '2026-03-01T10:07:00Z', { userId: 'bob', model: 'm2', project: '/b' }),
        event('b', '2026-03-02T11:00:00Z', { userId: 'alice', model: 'm1', project: '/a', source: 'codex', agentId: 'codex' }),
      ],
      cost,
    )
    expect(listDimensions(store, prices)).toEqual({
      users: ['alice', 'bob'],
      agents: ['claude-code', 'codex'],
      projects: ['/a', '/b'],
      models: ['m1', 'm2'],
      sources: ['claude-code', 'codex'],
      unpricedModels: [],
      firstTs: Z('2026-03-01T10:07:00Z'),
      lastTs: Z('2026-03-02T11:00:00Z'),
    })
    // The pickers' values only grow: a model corrected away by a later sighting stays listed
    // (filtering by it finds nothing), while the span follows the ledger.
    applyBatch(store, [{ events: [event('a', '2026-03-01T10:07:00Z', { userId: 'bob', model: 'm1', project: '/b', output: 99 })] }], cost)
    expect(listDimensions(store, prices)).toMatchObject({ models: ['m1', 'm2'], firstTs: Z('2026-03-01T10:07:00Z') })
    expect(listDimensions(openStore(join(tempDir(), 'e.db')), prices)).toEqual({
      users: [],
      agents: [],
      projects: [],
      models: [],
      sources: [],
      unpricedModels: [],
      firstTs: null,
      lastTs: null,
    })
  })

  it('flags the models without a price that have unpriced usage', () => {
    const store = storeWith(
      [
        event('a', '2026-03-01T10:00:00Z', { model: 'm1' }),
        // No rate for m2, but the source reported its cost: priced.
        event('b', '2026-03-01T11:00:00Z', { model: 'm2', reportedCostUsd: 0.5 }),
        event('c', '2026-03-01T12:00:00Z', { model: 'mystery', output: 7 }),
      ],
      (e) => (e.reportedCostUsd !== undefined ? e.reportedCostUsd * 1e9 : cost(e)),
    )
    expect(listDimensions(store, prices)).toMatchObject({ models: ['m1', 'm2', 'mystery'], unpricedModels: ['mystery'] })
    expect(unpricedModels(store, prices)).toEqual(['mystery'])
    // A price for it (e.g. an override) unflags it, though history is costed as before until re-costing.
    expect(listDimensions(store, { version: 'all', resolve: rates }).unpricedModels).toEqual([])
  })

  it('shows each source: folders, files, events, skipped lines by reason; a hint when nothing is found', async () => {
    const env = makeEnv()
    writeFileSync(
      join(env.claudeProjects, 'app', 'a.jsonl'),
      jsonl([
        claudeLine({ id: 'a', ts: '2026-03-01T10:00:00Z', output: 1 }),
        '{"usage": broken',
        claudeLine({ id: 'b', ts: 'never', output: 1 }),
      ]),
    )
    await env.scan()
    writeFileSync(join(env.claudeProjects, 'app', 'a.jsonl'), '{"usage": broken again\n', { flag: 'a' })
    await env.scan()
    const status = sourceStatus(env.store, env.sources, { socket: '/run/tw.sock' })
    const firstFive: string[] = ['claude-code', 'codex', 'gemini-cli', 'opencode', 'amp', 'socket']
    expect(status.filter((s) => firstFive.includes(s.source))).toEqual([
      {
        source: 'claude-code',
        location: env.claudeProjects,
        found: true,
        files: 1,
        skippedLines: 3,
        skipReasons: { 'malformed-json': 2, 'bad-field': 1 },
        events: 1,
        sessions: 1,
        projects: 1,
        lastEventTs: Z('2026-03-01T10:00:00Z'),
        envVars: ['CLAUDE_CONFIG_DIR'],
        lastReadAt: expect.any(Number) as number,
      },
      {
        source: 'codex',
        location: `${join(env.codexHome, 'sessions')}, ${join(env.codexHome, 'archived_sessions')}`,
        found: true,
        files: 0,
        skippedLines: 0,
        skipReasons: {},
        events: 0,
        sessions: 0,
        projects: 0,
        lastEventTs: null,
        envVars: ['CODEX_HOME'],
        lastReadAt: null,
      },
      // Sources with nothing on disk: where they looked and what to set.
      {
        source: 'gemini-cli',
        location: join(env.dir, '.gemini', 'tmp'),
        found: false,
        hint: expect.stringContaining('GEMINI_CLI_HOME') as string,
        files: 0,
        skippedLines: 0,
        skipReasons: {},
        events: 0,
        sessions: 0,
        projects: 0,
        lastEventTs: null,
        envVars: ['GEMINI_CLI_HOME', 'GEMINI_DATA_DIR'],
        lastReadAt: null,
      },
      {
        source: 'opencode',
        location: join(env.dir, '.local', 'share', 'opencode'),
        found: false,
        hint: expect.stringContaining('OPENCODE_DB') as string,
        files: 0,
        skippedLines: 0,
        skipReasons: {},
        events: 0,
        sessions: 0,
        projects: 0,
        lastEventTs: null,
        envVars: ['OPENCODE_DB', 'XDG_DATA_HOME'],
        lastReadAt: null,
      },
      {
        source: 'amp',
        location: join(env.dir, '.local', 'share', 'amp', 'threads'),
        found: false,
        hint: expect.stringContaining('AMP_DATA_DIR') as string,
        files: 0,
        skippedLines: 0,
        skipReasons: {},
        events: 0,
        sessions: 0,
        projects: 0,
        lastEventTs: null,
        envVars: ['AMP_DATA_DIR'],
        lastReadAt: null,
      },
      {
        source: 'socket',
        location: '/run/tw.sock',
        found: true,
        files: 0,
        skippedLines: 0,
        skipReasons: {},
        events: 0,
        sessions: 0,
        projects: 0,
        lastEventTs: null,
      },
    ])
    // Every other agent, in the one list's order, found nowhere here: its env vars are named.
    const rest = status.filter((s) => !firstFive.includes(s.source))
    expect(rest.map((s) => s.source)).toEqual(LOG_SOURCE_IDS.filter((id) => !firstFive.includes(id)))
    for (const s of rest) {
      const envVars = isLogSourceId(s.source) ? sourceDescriptor(s.source).envVars : []
      expect(s).toMatchObject({ found: false, files: 0, skippedLines: 0, events: 0, envVars })
      expect(s.hint).toContain(envVars[0])
    }
    // The same counts from a zone's day rollup once one exists.
    ensureRollup(env.store, 'Asia/Kolkata')
    expect(sourceStatus(env.store, env.sources, { socket: '/run/tw.sock' })).toEqual(status)
    const missing = join(tempDir(), 'nothing-here')
    mkdirSync(missing)
    const none = sourceStatus(env.store, createLogSources({ claudeConfigDirs: [missing], codexHomes: [missing], home: missing }), {})
    expect(none.map((s) => [s.source, s.found, typeof s.hint])).toEqual(LOG_SOURCE_IDS.map((id) => [id, false, 'string']))
    // A source switched off in settings is neither read nor listed.
    expect(createLogSources({ home: missing, disabled: ['codex', 'opencode'] }).map((s) => s.id)).toEqual(
      LOG_SOURCE_IDS.filter((id) => id !== 'codex' && id !== 'opencode'),
    )
  })
})
