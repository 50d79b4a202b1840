import { describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { clineRoots } from '../../../../src/engine/sources/cline/source'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../../src/engine/store/open-store'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { sourceStatus } from '../../../../src/engine/query/source-status'
import { eventually } from '../../../helpers/eventually'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { assistant, fixtureMessage, OpenCodeDb } from '../opencode/support'

const F = join(FIXTURES, 'cline')
const storage = (home: string, ext: string, editor = 'Code') => join(home, '.config', editor, 'User', 'globalStorage', ext)

function setup() {
  const home = tempDir()
  const storePath = join(home, 'tw.db')
  let store = openStore(storePath)
  const sources = createLogSources({ env: {}, home }).filter((s) => s.id === 'cline')
  return {
    home,
    sources,
    get store(): Store {
      return store
    },
    scan: () => scanLogs(store, sources, () => null, { userId: 'u' }),
    reopen() {
      store.close()
      store = openStore(storePath)
    },
    rows: () =>
      store.db
        .prepare(
          `SELECT key, ts, agent_id AS agent, model, project, session_id AS session, input, output, cache_read AS cacheRead,
      cache_write AS cacheWrite, reported_cost_nusd / 1e9 AS cost FROM usage_events ORDER BY ts, key`,
        )
        .all(),
  }
}

/** A ui_messages.json `api_req_started` message as the extensions write it. */
const req = (ts: number, info: Record<string, unknown>) => ({
  ts,
  type: 'say',
  say: 'api_req_started',
  text: JSON.stringify({ request: '<task>…</task>', ...info }),
})

describe('cline: Cline, Roo Code and Kilo Code task folders', () => {
  it("the three fixtures: the README hand totals, each under its extension's globalStorage (or Cline's data folder)", async () => {
    const t = setup()
    cpSync(join(F, 'roo-code'), storage(t.home, 'rooveterinaryinc.roo-cline'), { recursive: true })
    cpSync(join(F, 'cline'), storage(t.home, 'saoudrizwan.claude-dev', 'Cursor'), { recursive: true })
    cpSync(join(F, 'cline-sdk'), join(t.home, '.cline', 'data'), { recursive: true })
    expect((await t.scan()).errors).toEqual([])
    const at = Date.parse('2026-02-18T12:00:00Z')
    expect(t.rows()).toEqual([
      {
        key: `cline:cline:cline-task-1:${at}`,
        ts: at,
        agent: 'cline',
        model: 'claude-sonnet-4',
        project: '',
        session: 'cline-task-1',
        input: 40,
        output: 15,
        cacheRead: 7,
        cacheWrite: 3,
        cost: 0.05,
      },
      {
        key: `cline:roo-code:task-abc:${at}`,
        ts: at,
        agent: 'roo-code',
        model: 'claude-sonnet-4',
        project: '',
        session: 'task-abc',
        input: 75,
        output: 50,
        cacheRead: 20,
        cacheWrite: 5,
        cost: 0.12,
      },
      {
        key: 'cline:sdk:cline-cli-session:main:msg-1',
        ts: 1785320475705,
        agent: 'cline',
        model: 'cline-free/glm-5.2',
        project: '/home/example/project',
        session: 'cline-cli-session',
        input: 7457,
        output: 131,
        cacheRead: 50,
        cacheWrite: 0,
        cost: 0.0110232,
      },
    ])
    const status = sourceStatus(t.store, t.sources, {}, { discover: true })[0]
    expect(status?.discovered).toEqual({ files: 3, sessions: 3 })
  })

  it('which tokensIn includes the cache: Cline by provider, Roo Code and Kilo Code by protocol and release date', async () => {
    const t = setup()
    const before = Date.parse('2025-10-01T00:00:00Z')
    const after = Date.parse('2025-12-01T00:00:00Z')
    const write = (ext: string, task: string, messages: unknown[]) => {
      const dir = join(storage(t.home, ext), 'tasks', task)
      mkdirSync(dir, { recursive: true })
      writeFileSync(join(dir, 'ui_messages.json'), JSON.stringify(messages))
      return dir
    }
    write('rooveterinaryinc.roo-cline', 'r', [
      req(before, { tokensIn: 100, tokensOut: 1, cacheReads: 60, apiProtocol: 'anthropic' }), // remainder (before 3.29.5)
      req(before + 1, { tokensIn: 100, tokensOut: 1, cacheReads: 60, apiProtocol: 'openai' }), // OpenAI: always the total
      req(after, { tokensIn: 100, tokensOut: 1, cacheReads: 60, apiProtocol: 'anthropic' }), // the whole prompt since
      req(after + 1, { tokensIn: 30, tokensOut: 1, cacheReads: 60, apiProtocol: 'anthropic' }), // below the cache: a remainder
    ])
    const cline = write('saoudrizwan.claude-dev', 'c', [
      req(after, { tokensIn: 100, tokensOut: 1, cacheReads: 60 }),
      { ...req(after + 1, { tokensIn: 100, tokensOut: 1, cacheReads: 60 }), modelInfo: { modelId: 'gpt-4.1', providerId: 'openai' } },
      req(after + 2, { tokensIn: 100, tokensOut: 1, cacheReads: 60 }),
    ])
    // Cline's task_metadata.json names the model and provider from a point on.
    writeFileSync(
      join(cline, 'task_metadata.json'),
      JSON.stringify({
        files_in_context: [],
        model_usage: [
          { ts: after - 10, model_id: 'claude-sonnet-4-5', model_provider_id: 'anthropic', mode: 'act' },
          { ts: after + 2, model_id: 'qwen3-coder', model_provider_id: 'lmstudio', mode: 'act' },
        ],
      }),
    )
    await t.scan()
    const rows = t.rows() as { key: string; input: number; model: string }[]
    expect(rows.map((r) => [r.key.split(':').slice(1, 2)[0], r.input, r.model])).toEqual([
      ['roo-code', 100, 'unknown'],
      ['roo-code', 40, 'unknown'],
      ['cline', 100, 'claude-sonnet-4-5'],
      ['roo-code', 40, 'unknown'],
      ['cline', 40, 'gpt-4.1'],
      ['roo-code', 30, 'unknown'],
      ['cline', 40, 'qwen3-coder'],
    ])
  })

  it('a task rewritten as it runs: the placeholder counts when filled in, new requests add, nothing twice; bad messages skipped and counted; a restart reads nothing again', async () => {
    const t = setup()
    const dir = join(storage(t.home, 'kilocode.kilo-code'), 'tasks', 'k1')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'ui_messages.json')
    const T = Date.parse('2026-03-01T10:00:00Z')
    const messages: unknown[] = [{ ts: T - 1000, type: 'say', say: 'text', text: 'build it' }, req(T, {})]
    const save = () => {
      writeFileSync(file + '.tmp', JSON.stringify(messages))
      renameSync(file + '.tmp', file)
    }
    save()
    await t.scan()
    expect(ledgerTotals(t.store).requests).toBe(0)
    messages[1] = req(T, { tokensIn: 1200, tokensOut: 80, cacheWrites: 1000, cost: 0.01, apiProtocol: 'anthropic' })
    messages.push(req(T + 60_000, { tokensIn: 1500, tokensOut: 20, cacheReads: 1000, apiProtocol: 'anthropic' }))
    save()
    await t.scan()
    messages.push(
      { ts: T + 120_000, type: 'say', say: 'api_req_started', text: '{"tokensIn": 5' },
      req(T + 180_000, { tokensIn: -4 }),
      'junk',
      { type: 'say', say: 'api_req_started', ts: 'later', text: '{}' },
      req(Date.parse('2001-01-01T00:00:00Z'), { tokensIn: 1 }),
    )
    save()
    const s = await t.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': 1, 'bad-field': 3, 'implausible-time': 1 })
    expect(ledgerTotals(t.store)).toEqual({ input: 200 + 500, output: 100, cacheRead: 1000, cacheWrite: 1000, requests: 2 })
    t.reopen()
    save()
    expect((await t.scan()).inserted).toBe(0)
    expect(ledgerTotals(t.store).requests).toBe(2)
    expectAggregatesMatchLedger(t.store)
    const status = sourceStatus(t.store, t.sources, {})[0]
    expect(status?.skipReasons).toEqual({ 'malformed-json': 1, 'bad-field': 3, 'implausible-time': 1 })
  })

  it("where it looks: every editor's globalStorage per OS, Cline's data folder and its env vars, a portable VS Code", () => {
    const linux = clineRoots({ env: {}, home: '/h', folders: [] }, 'linux')
    expect(linux).toContain('/h/.config/Code/User/globalStorage/saoudrizwan.claude-dev/tasks')
    expect(linux).toContain('/h/.config/VSCodium/User/globalStorage/rooveterinaryinc.roo-cline/tasks')
    expect(linux).toContain('/h/.config/Cursor/User/globalStorage/kilocode.kilo-code/tasks')
    expect(linux).toContain('/h/.cline/data/tasks')
    expect(linux).toContain('/h/.cline/data/sessions')
    expect(clineRoots({ env: {}, home: '/h', folders: [] }, 'darwin')).toContain(
      '/h/Library/Application Support/Code - Insiders/User/globalStorage/saoudrizwan.claude-dev/tasks',
    )
    expect(clineRoots({ env: { APPDATA: 'C:/U/AppData/Roaming' }, home: 'C:/U', folders: [] }, 'win32')).toContain(
      'C:/U/AppData/Roaming/Code/User/globalStorage/saoudrizwan.claude-dev/tasks',
    )
    const env = clineRoots({ env: { CLINE_DIR: '/c', VSCODE_PORTABLE: '/p', XDG_CONFIG_HOME: '/x' }, home: '/h', folders: ['/f'] }, 'linux')
    expect(env).toEqual(
      expect.arrayContaining([
        '/c/data/tasks',
        '/c/data/sessions',
        '/p/user-data/User/globalStorage/saoudrizwan.claude-dev/tasks',
        '/x/Code/User/globalStorage/kilocode.kilo-code/tasks',
        '/f/tasks',
        '/f/sessions',
      ]),
    )
    expect(clineRoots({ env: { CLINE_DATA_DIR: '/d', CLINE_SESSION_DATA_DIR: '/s' }, home: '/h', folders: [] }, 'linux')).toEqual(
      expect.arrayContaining(['/d/tasks', '/s']),
    )
  })

  it('live: a request Roo Code fills in while the engine runs is counted within a second', async () => {
    const home = tempDir()
    const dir = join(storage(home, 'rooveterinaryinc.roo-cline'), 'tasks', 'live')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'ui_messages.json')
    const T = Date.now()
    writeFileSync(file, JSON.stringify([req(T, { tokensIn: 10, tokensOut: 2, apiProtocol: 'anthropic' })]))
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(home, 'tw'), HOME: home } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['cline'] }).totals
      expect([totals().requests, totals().input, totals().output]).toEqual([1, 10, 2])
      writeFileSync(
        file + '.tmp',
        JSON.stringify([
          req(T, { tokensIn: 10, tokensOut: 2, apiProtocol: 'anthropic' }),
          req(T + 1, { tokensIn: 7, tokensOut: 3, apiProtocol: 'anthropic' }),
        ]),
      )
      renameSync(file + '.tmp', file)
      await eventually(() => expect([totals().requests, totals().input, totals().output]).toEqual([2, 17, 5]), 3000)
    } finally {
      await engine.stop()
    }
  })
})

describe('cline: folders added in Settings', () => {
  it("a storage folder added in Settings (e.g. Roo Code's customStoragePath) is read, its vendor named by the extension id in its path", async () => {
    const home = tempDir()
    const custom = join(home, 'custom', 'rooveterinaryinc.roo-cline')
    cpSync(join(F, 'roo-code'), custom, { recursive: true })
    const store = openStore(join(home, 'tw.db'))
    const sources = createLogSources({ folders: { cline: [custom] }, env: {}, home }).filter((s) => s.id === 'cline')
    await scanLogs(store, sources, () => null, { userId: 'u' })
    expect(store.db.prepare('SELECT agent_id AS agent, input FROM usage_events').all()).toEqual([{ agent: 'roo-code', input: 75 }])
    store.close()
  })
})

describe("cline: Kilo Code 7's kilo.db (OpenCode's schema)", () => {
  it('each assistant message counts once under agent kilo-code; day totals equal ccusage 20.0.24 (`ccusage kilo daily`)', async () => {
    const home = tempDir()
    const agent = new OpenCodeDb(join(home, 'share', 'kilo', 'kilo.db'))
    agent.session('ses_test001')
    agent.message('msg_test001', 'ses_test001', fixtureMessage(), 1733011260000)
    // Kilo's data folder also holds snapshots: not walked.
    mkdirSync(join(home, 'share', 'kilo', 'snapshot', 'deep'), { recursive: true })
    writeFileSync(join(home, 'share', 'kilo', 'snapshot', 'deep', 'kilo.db'), '')
    const store = openStore(join(home, 'tw.db'))
    const sources = createLogSources({ env: { XDG_DATA_HOME: join(home, 'share') }, home }).filter((s) => s.id === 'cline')
    expect((await scanLogs(store, sources, () => null, { userId: 'u' })).errors).toEqual([])
    expect(
      store.db.prepare('SELECT key, agent_id AS agent, model, input, output, cache_read AS cr, cache_write AS cw FROM usage_events').all(),
    ).toEqual([
      {
        key: 'cline:kilo-db:msg_test001',
        agent: 'kilo-code',
        model: 'claude-3-5-sonnet-20241022',
        input: 1000,
        output: 500,
        cr: 200,
        cw: 100,
      },
    ])
    const ours = runReport(store, { tz: 'UTC', groupBy: ['day'], sources: ['cline'] }).rows
    const theirs = (
      JSON.parse(readFileSync(join(F, 'ccusage_20.0.24_kilo_daily.json'), 'utf8')) as {
        daily: { date: string; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number }[]
      }
    ).daily
    expect(ours.map((r) => [r.day, r.input, r.output, r.cacheRead, r.cacheWrite])).toEqual(
      theirs.map((d) => [d.date, d.inputTokens, d.outputTokens, d.cacheReadTokens, d.cacheCreationTokens]),
    )
    // Live: a message Kilo writes (to the WAL) while the engine runs.
    store.close()
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: join(home, 'tw'), HOME: home, XDG_DATA_HOME: join(home, 'share') } })
    try {
      await engine.start()
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['cline'] }).totals
      expect(totals().requests).toBe(1)
      agent.message('m2', 'ses_test001', assistant({ created: Date.now(), input: 5, output: 5 }), Date.now())
      await eventually(() => expect([totals().requests, totals().input]).toEqual([2, 1005]), 3000)
    } finally {
      await engine.stop()
      agent.close()
    }
  })
})
