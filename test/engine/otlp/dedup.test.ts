/**
 * Never counted twice: an exporter retry, a request as log and as span, and a request also read
 * from its agent's log on disk (Claude Code transcripts by request id; Codex rollouts by session
 * and token tuple), in either order, over the real receiver and real log scans.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCoster } from '../../../src/engine/pricing/coster'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { createLogSources } from '../../../src/engine/sources/registry'
import { openStore } from '../../../src/engine/store/open-store'
import { FIXTURES, tempDir } from '../../helpers/temp'
import { LOG_SOURCE_IDS, type LogSourceId } from '../../../src/shared/sources'
import { kv, logsBody, otlpRig, postJson, totals, type OtlpRig } from './rig'

let rig: OtlpRig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const cost = createCoster(loadPriceTable())
/** Every log source but `id` switched off. */
const only = (id: LogSourceId): LogSourceId[] => LOG_SOURCE_IDS.filter((s) => s !== id)

/** The four requests of spotter__tool_heavy.jsonl (9 usage lines), as Claude Code's OTLP events report them. */
const TOOL_HEAVY = [
  { id: 'req_011CY1DV6ZcyGeWGTb4kSw2L', at: '2026-02-10T22:57:58.200Z', input: 3, output: 27, cacheRead: 17915, cacheWrite: 7883 },
  { id: 'req_011CY1DVR7LRGxBs854DBvGb', at: '2026-02-10T22:58:03.000Z', input: 1, output: 1, cacheRead: 25798, cacheWrite: 208 },
  { id: 'req_011CY1DbbVb9F8NCfb4b1CiC', at: '2026-02-10T22:59:27.300Z', input: 3, output: 11, cacheRead: 18014, cacheWrite: 8490 },
  { id: 'req_011CY1DcMwHdEPXMf4hW4MxJ', at: '2026-02-10T22:59:37.700Z', input: 47, output: 173, cacheRead: 26504, cacheWrite: 1115 },
]
const SESSION = 'd6e0bada-1959-4eec-a9d2-0bfade768d8f'
const TOOL_HEAVY_TOTALS = { input: 54, output: 212, cacheRead: 88231, cacheWrite: 17696, requests: 4 }

function claudeEvents(reqs = TOOL_HEAVY): unknown {
  return logsBody(
    { 'service.name': 'claude-code' },
    reqs.map((r, i) => ({
      body: 'claude_code.api_request',
      attrs: {
        'event.name': 'api_request',
        'event.timestamp': r.at,
        'event.sequence': i,
        'session.id': SESSION,
        model: 'claude-opus-4-6',
        input_tokens: r.input,
        output_tokens: r.output,
        cache_read_tokens: r.cacheRead,
        cache_creation_tokens: r.cacheWrite,
        request_id: r.id,
      },
    })),
  )
}

function claudeHome(dir: string): string {
  const projects = join(dir, 'claude', 'projects', '-work-app')
  mkdirSync(projects, { recursive: true })
  copyFileSync(join(FIXTURES, 'claude_real', 'spotter__tool_heavy.jsonl'), join(projects, `${SESSION}.jsonl`))
  return join(dir, 'claude')
}

async function scanClaude(r: OtlpRig, home: string): Promise<void> {
  await scanLogs(r.store, createLogSources({ claudeConfigDirs: [home], disabled: only('claude-code') }), cost, { userId: 'tester' })
}

/** What the transcript alone counts and costs (the oracle every order must match). */
async function transcriptOnly(): Promise<{ figures: ReturnType<typeof totals>; rows: unknown[] }> {
  const dir = tempDir('tw-oracle-')
  const store = openStore(join(dir, 'db'))
  try {
    await scanLogs(store, createLogSources({ claudeConfigDirs: [claudeHome(dir)], disabled: only('claude-code') }), cost, {
      userId: 'tester',
    })
    return {
      figures: totals(store),
      rows: store.db.prepare('SELECT source, project, session_id, ts, cache_write_1h, cost_nusd FROM usage_events ORDER BY ts').all(),
    }
  } finally {
    store.close()
  }
}

describe('Claude Code: OTLP events and the transcript on disk', () => {
  it("transcript first, then the OTLP events (twice: a retry): the transcript's figures, exactly", async () => {
    const oracle = await transcriptOnly()
    expect(oracle.figures).toMatchObject(TOOL_HEAVY_TOTALS)
    rig = await otlpRig()
    await scanClaude(rig, claudeHome(rig.dir))
    expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents())).status).toBe(200)
    expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents())).status).toBe(200)
    expect(totals(rig.store)).toEqual(oracle.figures)
    expect(
      rig.store.db.prepare('SELECT source, project, session_id, ts, cache_write_1h, cost_nusd FROM usage_events ORDER BY ts').all(),
    ).toEqual(oracle.rows)
  })

  it("OTLP events first, then the transcript (and a re-read after a rewrite): the transcript's figures and names win", async () => {
    const oracle = await transcriptOnly()
    rig = await otlpRig()
    expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents())).status).toBe(200)
    expect(totals(rig.store)).toMatchObject(TOOL_HEAVY_TOTALS)
    const home = claudeHome(rig.dir)
    await scanClaude(rig, home)
    expect(totals(rig.store)).toEqual(oracle.figures)
    // The 1-hour cache writes come from the transcript (the OTLP event cannot tell them apart).
    expect(
      rig.store.db.prepare('SELECT source, project, session_id, ts, cache_write_1h, cost_nusd FROM usage_events ORDER BY ts').all(),
    ).toEqual(oracle.rows)
    // The file is rewritten (same content, new inode): read again from 0, nothing added.
    const file = join(home, 'projects', '-work-app', `${SESSION}.jsonl`)
    const text = readFileSync(file)
    writeFileSync(`${file}.tmp`, text)
    copyFileSync(`${file}.tmp`, file)
    await scanClaude(rig, home)
    expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents())).status).toBe(200)
    expect(totals(rig.store)).toEqual(oracle.figures)
    expect(rig.store.db.prepare('SELECT count(*) FROM usage_events').pluck().get()).toBe(4)
  })

  it('an api_request log and the claude_code.llm_request span of the same request count once', async () => {
    rig = await otlpRig()
    const r = TOOL_HEAVY[3] as (typeof TOOL_HEAVY)[number]
    const end = String(BigInt(Date.parse(r.at)) * 1_000_000n)
    const spans = {
      resourceSpans: [
        {
          resource: { attributes: kv({ 'service.name': 'claude-code' }) },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  name: 'claude_code.llm_request',
                  kind: 3,
                  startTimeUnixNano: end,
                  endTimeUnixNano: end,
                  attributes: kv({
                    'gen_ai.system': 'anthropic',
                    'gen_ai.request.model': 'claude-opus-4-6',
                    'gen_ai.response.id': r.id,
                    'session.id': SESSION,
                    input_tokens: r.input,
                    output_tokens: r.output,
                    cache_read_tokens: r.cacheRead,
                    cache_creation_tokens: r.cacheWrite,
                  }),
                },
              ],
            },
          ],
        },
      ],
    }
    expect((await postJson(rig.receiver.port, '/v1/traces', spans)).status).toBe(200)
    expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents([r]))).status).toBe(200)
    expect(totals(rig.store)).toMatchObject({ input: 47, output: 173, cacheRead: 26504, cacheWrite: 1115, requests: 1 })
  })
})

describe('GenAI records', () => {
  const TRACE = '0af7651916cd43dd8448eb211c80319c'
  const SPAN = 'b7ad6b7169203331'
  const attrs = {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.request.model': 'claude-haiku-4-5',
    'gen_ai.usage.input_tokens': 1500,
    'gen_ai.usage.cache_read.input_tokens': 1000,
    'gen_ai.usage.cache_creation.input_tokens': 200,
    'gen_ai.usage.output_tokens': 50,
  }

  it('a chat span and its log twin (same span context) count once, in either order; input made exclusive', async () => {
    rig = await otlpRig()
    const span = {
      resourceSpans: [
        {
          resource: { attributes: kv({ 'service.name': 'support-bot' }) },
          scopeSpans: [
            {
              spans: [
                {
                  traceId: TRACE,
                  spanId: SPAN,
                  name: 'chat claude-haiku-4-5',
                  kind: 3,
                  startTimeUnixNano: '1796300000000000000',
                  endTimeUnixNano: '1796300001000000000',
                  attributes: kv(attrs),
                },
              ],
            },
          ],
        },
      ],
    }
    const log = logsBody({ 'service.name': 'support-bot' }, [
      { eventName: 'gen_ai.client.inference.operation.details', traceId: TRACE, spanId: SPAN, timeUnixNano: '1796300001000000000', attrs },
    ])
    expect((await postJson(rig.receiver.port, '/v1/logs', log)).status).toBe(200)
    expect((await postJson(rig.receiver.port, '/v1/traces', span)).status).toBe(200)
    expect((await postJson(rig.receiver.port, '/v1/traces', span, true)).status).toBe(200)
    expect(totals(rig.store)).toMatchObject({ input: 300, cacheRead: 1000, cacheWrite: 200, output: 50, requests: 1 })
  })

  it('GenAI copies from an agent with its own events are twins, not usage', async () => {
    rig = await otlpRig()
    const log = logsBody({ 'service.name': 'gemini-cli' }, [{ eventName: 'gen_ai.client.inference.operation.details', attrs }])
    expect((await postJson(rig.receiver.port, '/v1/logs', log)).status).toBe(200)
    expect(totals(rig.store).requests).toBe(0)
    expect(JSON.parse(rig.store.db.prepare('SELECT skip_reasons FROM otlp_services').pluck().get() as string)).toEqual({ 'agent-twin': 1 })
  })
})

describe('Codex and Gemini CLI events', () => {
  const CONV = '019a1b2c-3d4e-7f00-8a9b-0c1d2e3f4a5b'
  function sse(at: string, input: number, cached: number, output: number, reasoning: number): Record<string, string | number> {
    return {
      'event.name': 'codex.sse_event',
      'event.kind': 'response.completed',
      'event.timestamp': at,
      'conversation.id': CONV,
      model: 'gpt-5.2-codex',
      input_token_count: input,
      cached_token_count: cached,
      output_token_count: output,
      reasoning_token_count: reasoning,
      tool_token_count: 0,
    }
  }
  const codexEvents = (): unknown =>
    logsBody({ 'service.name': 'codex_cli_rs' }, [
      { attrs: { 'event.name': 'codex.sse_event', 'event.kind': 'response.created', 'conversation.id': CONV } },
      { attrs: sse('2026-05-13T09:00:59.400Z', 1000, 250, 125, 75) },
      { attrs: sse('2026-05-14T09:59:58.900Z', 2500, 500, 300, 200) },
    ])
  function codexHome(dir: string): string {
    const sessions = join(dir, 'codex', 'sessions', '2026', '05', '13')
    mkdirSync(sessions, { recursive: true })
    const meta = JSON.stringify({ timestamp: '2026-05-13T08:59:00.000Z', type: 'session_meta', payload: { id: CONV, cwd: '/work/api' } })
    writeFileSync(
      join(sessions, `rollout-2026-05-13T08-59-00-${CONV}.jsonl`),
      `${meta}\n${readFileSync(join(FIXTURES, 'ccusage', 'codex_session-alpha.jsonl'), 'utf8')}`,
    )
    return join(dir, 'codex')
  }
  const scanCodex = (r: OtlpRig, home: string) =>
    scanLogs(r.store, createLogSources({ codexHomes: [home], disabled: only('codex') }), cost, { userId: 'tester' })
  const CODEX_TOTALS = { input: 2750, output: 425, cacheRead: 750, cacheWrite: 0, requests: 2 }

  it('codex.sse_event response.completed alone: cached input made exclusive, other kinds ignored', async () => {
    rig = await otlpRig()
    const body = codexEvents()
    expect((await postJson(rig.receiver.port, '/v1/logs', body)).status).toBe(200)
    // An exporter's retry sends the same bytes again.
    expect((await postJson(rig.receiver.port, '/v1/logs', body, true)).status).toBe(200)
    expect(totals(rig.store)).toMatchObject(CODEX_TOTALS)
    expect(rig.store.db.prepare("SELECT DISTINCT agent_id || ' ' || session_id FROM usage_events").pluck().all()).toEqual([`codex ${CONV}`])
  })

  it('the rollout and the OTLP events of the same turns count once, in either order', async () => {
    rig = await otlpRig()
    const home = codexHome(rig.dir)
    await scanCodex(rig, home)
    expect(totals(rig.store)).toMatchObject(CODEX_TOTALS)
    expect((await postJson(rig.receiver.port, '/v1/logs', codexEvents())).status).toBe(200)
    expect(totals(rig.store)).toMatchObject(CODEX_TOTALS)
    await rig.close()

    rig = await otlpRig()
    expect((await postJson(rig.receiver.port, '/v1/logs', codexEvents())).status).toBe(200)
    await scanCodex(rig, codexHome(rig.dir))
    expect(totals(rig.store)).toMatchObject(CODEX_TOTALS)
    // The rollout's names win: its project.
    expect(rig.store.db.prepare('SELECT DISTINCT source, project FROM usage_events').all()).toEqual([
      { source: 'codex', project: '/work/api' },
    ])
  })

  it('gemini_cli.api_response: cached content exclusive, thoughts as output, tool prompt as input', async () => {
    rig = await otlpRig()
    const body = logsBody({ 'service.name': 'gemini-cli' }, [
      {
        attrs: {
          'event.name': 'gemini_cli.api_response',
          'event.timestamp': '2026-06-01T10:00:00Z',
          'session.id': 'g-1',
          prompt_id: 'p-1',
          model: 'gemini-2.5-pro',
          input_token_count: 9000,
          cached_content_token_count: 6000,
          output_token_count: 400,
          thoughts_token_count: 600,
          tool_token_count: 50,
          total_token_count: 10050,
        },
      },
    ])
    expect((await postJson(rig.receiver.port, '/v1/logs', body)).status).toBe(200)
    expect(totals(rig.store)).toMatchObject({ input: 3050, output: 1000, cacheRead: 6000, requests: 1 })
  })
})

describe('Copilot CLI: chat spans and the session store', () => {
  const SESSION_ID = '7d9e2c4a-1b3f-4e5d-9a8b-0c1d2e3f4a5b'
  function chatSpans(): unknown {
    const span = (spanId: string, end: string, input: number, cacheRead: number, output: number) => ({
      traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
      spanId,
      name: 'chat claude-sonnet-4.5',
      kind: 3,
      startTimeUnixNano: String(BigInt(Date.parse(end) - 2000) * 1_000_000n),
      endTimeUnixNano: String(BigInt(Date.parse(end)) * 1_000_000n),
      attributes: kv({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'github',
        'gen_ai.response.model': 'claude-sonnet-4.5',
        'gen_ai.conversation.id': SESSION_ID,
        'gen_ai.usage.input_tokens': input,
        'gen_ai.usage.cache_read.input_tokens': cacheRead,
        'gen_ai.usage.output_tokens': output,
      }),
    })
    return {
      resourceSpans: [
        {
          resource: { attributes: kv({ 'service.name': 'github-copilot' }) },
          scopeSpans: [
            {
              spans: [
                span('00f067aa0ba902b7', '2026-04-08T05:10:01.500Z', 12000, 9000, 300),
                span('00f067aa0ba902b8', '2026-04-08T05:11:00.800Z', 15000, 11000, 120),
              ],
            },
          ],
        },
      ],
    }
  }
  const TOTALS = { input: 7000, cacheRead: 20000, output: 420, requests: 2 }

  it('a request in session-store.db and as an OTLP chat span counts once, in either order', async () => {
    const { CopilotStore } = await import('../sources/copilot-cli/support')
    for (const order of ['store first', 'spans first']) {
      rig = await otlpRig()
      const home = join(rig.dir, 'copilot')
      const db = new CopilotStore(join(home, 'session-store.db'))
      db.session(SESSION_ID, '/work/cli')
      db.request({
        session: SESSION_ID,
        model: 'claude-sonnet-4.5',
        at: '2026-04-08T05:10:01.000Z',
        input: 3000,
        cacheRead: 9000,
        output: 300,
      })
      db.request({
        session: SESSION_ID,
        model: 'claude-sonnet-4.5',
        at: '2026-04-08T05:11:00.000Z',
        input: 4000,
        cacheRead: 11000,
        output: 120,
      })
      db.close()
      const scan = () =>
        scanLogs(
          (rig as OtlpRig).store,
          createLogSources({ env: { COPILOT_HOME: home }, home: (rig as OtlpRig).dir }).filter((s) => s.id === 'copilot-cli'),
          cost,
          { userId: 'tester' },
        )
      if (order === 'store first') await scan()
      expect((await postJson(rig.receiver.port, '/v1/traces', chatSpans())).status).toBe(200)
      if (order === 'spans first') await scan()
      expect(totals(rig.store), order).toMatchObject(TOTALS)
      expect(rig.store.db.prepare('SELECT DISTINCT source FROM usage_events').pluck().all(), order).toEqual(['copilot-cli'])
      await rig.close()
      rig = undefined
    }
  })
})

describe('Copilot CLI: shutdown rollups and chat spans', () => {
  const SESSION_ID = '3c1f8e2a-6b7d-4a9e-8f10-2d3c4b5a6e7f'
  /** A chat span as Copilot CLI exports it (`gen_ai.usage.input_tokens` includes the cache read). */
  const span = (spanId: string, end: string, input: number, cacheRead: number, output: number) => ({
    traceId: '5af92f3577b34da6a3ce929d0e0e4737',
    spanId,
    name: 'chat claude-sonnet-4.5',
    kind: 3,
    startTimeUnixNano: String(BigInt(Date.parse(end) - 2000) * 1_000_000n),
    endTimeUnixNano: String(BigInt(Date.parse(end)) * 1_000_000n),
    attributes: kv({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'github',
      'gen_ai.response.model': 'claude-sonnet-4.5',
      'gen_ai.conversation.id': SESSION_ID,
      'gen_ai.usage.input_tokens': input,
      'gen_ai.usage.cache_read.input_tokens': cacheRead,
      'gen_ai.usage.output_tokens': output,
    }),
  })
  const traces = (spans: unknown[]) => ({
    resourceSpans: [{ resource: { attributes: kv({ 'service.name': 'github-copilot' }) }, scopeSpans: [{ spans }] }],
  })
  // Leg 1: two requests (exclusive 3000 + 4000 input, 20000 cache read, 420 output).
  const LEG1 = [
    span('10f067aa0ba902b7', '2026-04-08T05:10:01.500Z', 12000, 9000, 300),
    span('10f067aa0ba902b8', '2026-04-08T05:11:00.800Z', 15000, 11000, 120),
  ]
  // Leg 2 (after a resume): one request.
  const LEG2 = [span('10f067aa0ba902b9', '2026-04-08T06:00:30.000Z', 5000, 4000, 50)]
  const line = (o: unknown): string => JSON.stringify(o) + '\n'
  /** `session.shutdown` as the CLI writes it: cumulative over the session's legs, `inputTokens` with the cache. */
  const shutdown = (ts: string, u: { input: number; cacheRead: number; output: number }) =>
    line({
      type: 'session.shutdown',
      timestamp: ts,
      data: {
        shutdownType: 'routine',
        totalPremiumRequests: 2,
        currentModel: 'claude-sonnet-4.5',
        modelMetrics: {
          'claude-sonnet-4.5': {
            requests: { count: 2, cost: 2 },
            usage: { inputTokens: u.input + u.cacheRead, outputTokens: u.output, cacheReadTokens: u.cacheRead, cacheWriteTokens: 0 },
          },
        },
      },
    })
  const start = (ts: string) =>
    line({ type: 'session.start', timestamp: ts, data: { sessionId: SESSION_ID, context: { cwd: '/work/cli' } } })

  async function setup(): Promise<{ file: string; scan: () => Promise<unknown> }> {
    rig = await otlpRig()
    const home = join(rig.dir, 'copilot')
    const dir = join(home, 'session-state', SESSION_ID)
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'events.jsonl')
    writeFileSync(file, '')
    const scan = () =>
      scanLogs(
        (rig as OtlpRig).store,
        createLogSources({ env: { COPILOT_HOME: home }, home: (rig as OtlpRig).dir }).filter((s) => s.id === 'copilot-cli'),
        cost,
        { userId: 'tester' },
      )
    return { file, scan }
  }
  const rows = () =>
    (rig as OtlpRig).store.db
      .prepare('SELECT key, source, input, output, cache_read AS cacheRead FROM usage_events ORDER BY ts, key')
      .all() as { key: string; source: string }[]

  it('a rollup covered by its chat spans counts once (the spans), in either order, across a resume', async () => {
    for (const order of ['rollup first', 'spans first']) {
      const { file, scan } = await setup()
      const post = async (spans: unknown[]) =>
        expect((await postJson((rig as OtlpRig).receiver.port, '/v1/traces', traces(spans))).status).toBe(200)
      writeFileSync(file, start('2026-04-08T05:09:00.000Z'))
      if (order === 'spans first') await post(LEG1)
      appendFileSync(file, shutdown('2026-04-08T05:12:00.000Z', { input: 7000, cacheRead: 20000, output: 420 }))
      await scan()
      if (order === 'rollup first') {
        // Only the rollup so far: it counts whole, as one record.
        expect(totals((rig as OtlpRig).store), order).toMatchObject({ input: 7000, cacheRead: 20000, output: 420, requests: 1 })
        await post(LEG1)
      }
      expect(totals((rig as OtlpRig).store), order).toMatchObject({ input: 7000, cacheRead: 20000, output: 420, requests: 2 })
      expect(new Set(rows().map((r) => r.source)), order).toEqual(new Set(['otlp']))
      // A retry of the spans and a re-scan change nothing.
      await post(LEG1)
      await scan()
      expect(totals((rig as OtlpRig).store), order).toMatchObject({ input: 7000, cacheRead: 20000, output: 420, requests: 2 })
      // Resumed: the second shutdown is cumulative (leg 2 = 1000 input, 4000 cache read, 50 output).
      appendFileSync(file, start('2026-04-08T06:00:00.000Z'))
      if (order === 'spans first') await post(LEG2)
      appendFileSync(file, shutdown('2026-04-08T06:01:00.000Z', { input: 8000, cacheRead: 24000, output: 470 }))
      await scan()
      if (order === 'rollup first') await post(LEG2)
      expect(totals((rig as OtlpRig).store), order).toMatchObject({ input: 8000, cacheRead: 24000, output: 470, requests: 3 })
      await rig?.close()
      rig = undefined
    }
  })

  it('a rollup counts what its chat spans miss (spans exported for part of the leg), and whole without spans', async () => {
    for (const order of ['rollup first', 'spans first']) {
      const { file, scan } = await setup()
      writeFileSync(file, start('2026-04-08T05:09:00.000Z'))
      // Only the second request was exported (telemetry switched on mid-session).
      if (order === 'spans first')
        expect((await postJson((rig as OtlpRig).receiver.port, '/v1/traces', traces([LEG1[1]]))).status).toBe(200)
      appendFileSync(file, shutdown('2026-04-08T05:12:00.000Z', { input: 7000, cacheRead: 20000, output: 420 }))
      await scan()
      if (order === 'rollup first')
        expect((await postJson((rig as OtlpRig).receiver.port, '/v1/traces', traces([LEG1[1]]))).status).toBe(200)
      expect(totals((rig as OtlpRig).store), order).toMatchObject({ input: 7000, cacheRead: 20000, output: 420, requests: 2 })
      // The rollup holds the first request's share: 3000 input, 9000 cache read, 300 output.
      expect(
        rows().find((r) => r.key.includes(':shutdown:')),
        order,
      ).toMatchObject({ source: 'copilot-cli', input: 3000, cacheRead: 9000, output: 300 })
      await rig?.close()
      rig = undefined
    }
  })
})

describe('Claude Code: the transcript twin hours apart and across restarts', () => {
  // The OTLP events stamped 3 hours after the transcript (an exporter's clock, a batch re-sent later):
  // the request id joins them in the session, whatever the distance.
  const LATE = TOOL_HEAVY.map((r) => ({ ...r, at: new Date(Date.parse(r.at) + 3 * 3_600_000).toISOString() }))
  const cols = 'SELECT source, project, session_id, ts, cache_write_1h, cost_nusd FROM usage_events ORDER BY ts'

  for (const order of ['transcript first', 'OTLP first']) {
    it(`${order}, the store reopened between them: the transcript's figures, exactly`, async () => {
      const oracle = await transcriptOnly()
      rig = await otlpRig()
      const dbPath = join(rig.dir, 'tokenwatch.db')
      const home = claudeHome(rig.dir)
      if (order === 'transcript first') await scanClaude(rig, home)
      else expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents(LATE))).status).toBe(200)
      await rig.close()
      // Restarted: a new receiver and store on the same file.
      rig = await otlpRig({}, dbPath)
      if (order === 'transcript first') {
        expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents(LATE))).status).toBe(200)
        expect((await postJson(rig.receiver.port, '/v1/logs', claudeEvents(LATE))).status).toBe(200)
      } else await scanClaude(rig, home)
      expect(totals(rig.store)).toEqual(oracle.figures)
      expect(rig.store.db.prepare(cols).all()).toEqual(oracle.rows)
      expect(rig.store.db.prepare('SELECT count(*) FROM usage_events').pluck().get()).toBe(4)
    })
  }
})
