/**
 * End to end: the real `tokenwatch serve` (built CLI + built dashboard) over a store it backfills
 * from test/fixtures, driven in Debian's Chromium. Every figure the page shows is checked against
 * `tokenwatch report` on the same store (and token totals against test/fixtures/EXPECTED.md);
 * live usage is a line appended to a watched transcript; Export CSV must equal `report --csv`.
 *
 * The viewer zone is Asia/Colombo (+05:30) for the server, the CLI and the browser alike, so day
 * boundaries fall mid-hour in UTC and must still be exact.
 */
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchPage } from '../renderer/browser'
import { REPO, fixtureEnv, requireBuild, startServe, teardown, tokenwatch, type Serve } from './serve'

const TZ = 'Asia/Colombo'
/** The custom range the tests view: whole local days, inclusive. */
const SINCE = '2026-02-01'
const UNTIL = '2026-02-14'
const OPUS = 'claude-opus-4-6'
const HAIKU = 'claude-haiku-4-5-20251001'

/** test/fixtures/EXPECTED.md rows (UTC days) that fall in the range in any zone: in, out, cr, cw. */
const EXPECTED_MD = {
  haiku_0203: [130, 60, 40, 15],
  opus_0210: [57, 225, 99_746, 31_531],
  opus_0212_spotter: [3, 8, 164_830, 8_681],
  opus_0212_derived: [41, 6_230, 1_380_819, 155_640],
} as const
const sum = (rows: readonly (readonly number[])[]): number => rows.flat().reduce((a, b) => a + b, 0)
/** 1,848,056 tokens in the range; 1,847,811 of them claude-opus-4-6. */
const EXPECTED_TOKENS_ALL = sum(Object.values(EXPECTED_MD))
const EXPECTED_TOKENS_OPUS = sum([EXPECTED_MD.opus_0210, EXPECTED_MD.opus_0212_spotter, EXPECTED_MD.opus_0212_derived])

/** The line appended while the page is open: a new message in a watched transcript, 2026-02-12 17:30 in Colombo. */
const LIVE = { input: 1_000, output: 2_000, cacheRead: 30_000, cacheWrite: 4_000, ts: '2026-02-12T12:00:00.000Z' }
const LIVE_TOKENS = LIVE.input + LIVE.output + LIVE.cacheRead + LIVE.cacheWrite

interface Figures {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costUsd: number | null
  unpricedTokens: number
}
interface JsonReport {
  rows: (Figures & Record<string, string | number | null>)[]
  totals: Figures
  unpricedModels: string[]
}

// The dashboard formats for the browser's locale (en-US here).
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const tokensOf = (f: Figures): number => f.input + f.output + f.cacheRead + f.cacheWrite

/** How long the page may take to show something (generous: the machine's 2 cores are shared). */
const WAIT_MS = 10_000

let root: string
let env: NodeJS.ProcessEnv
let serve: Serve | undefined
let ctx: BrowserContext | undefined
let page: Page
const pageErrors: string[] = []

/** `tokenwatch report` over the viewed range, in the viewer zone. */
function reportArgs(groupBy: string, models: string[] = [], since = SINCE, until = UNTIL): string[] {
  return ['report', '--since', since, '--until', until, '--tz', TZ, '--group-by', groupBy, ...models.flatMap((m) => ['--model', m])]
}

async function cliJson(groupBy: string, models: string[] = [], since = SINCE, until = UNTIL): Promise<JsonReport> {
  return JSON.parse(await tokenwatch([...reportArgs(groupBy, models, since, until), '--json'], env)) as JsonReport
}

/** What the KPI tiles must read for this range and filter, computed by the CLI alone. */
async function expectedKpis(models: string[] = [], since = SINCE, until = UNTIL): Promise<{ kpis: Kpis; totals: Figures }> {
  const { totals } = await cliJson('model', models, since, until)
  const sessions = (await cliJson('session', models, since, until)).rows.length
  if (totals.costUsd === null) throw new Error('the viewed range is expected to be priced')
  return {
    kpis: {
      cost: usd.format(totals.costUsd),
      tokens: int.format(tokensOf(totals)),
      requests: int.format(totals.requests),
      sessions: int.format(sessions),
    },
    totals,
  }
}

/** Polls an element's text until it equals `expected` (or times out); returns the last text seen. */
async function textOf(testid: string, expected: string, timeoutMs = WAIT_MS): Promise<string> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + timeoutMs
  let last = ''
  for (;;) {
    last = (await loc.count()) > 0 ? ((await loc.textContent()) ?? '') : '<missing>'
    if (last === expected || Date.now() > deadline) return last
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function attrOf(testid: string, name: string, expected: string, timeoutMs = WAIT_MS): Promise<string | null> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await loc.getAttribute(name)
    if (v === expected || Date.now() > deadline) return v
    await new Promise((r) => setTimeout(r, 50))
  }
}

type Kpis = { cost: string; tokens: string; requests: string; sessions: string }

/** The four KPI values shown, each polled until it reads as `expected` (or the wait runs out). */
async function readKpis(expected: Kpis): Promise<Kpis> {
  return {
    cost: await textOf('kpi-cost-value', expected.cost),
    tokens: await textOf('kpi-tokens-value', expected.tokens),
    requests: await textOf('kpi-requests-value', expected.requests),
    sessions: await textOf('kpi-sessions-value', expected.sessions),
  }
}

/** The chart's canvas as a PNG data URL: changes exactly when chart.js draws something else. */
function canvasPixels(): Promise<string> {
  return page.evaluate<string>(`document.querySelector('[data-testid="chart"] canvas')?.toDataURL() ?? ''`)
}

/** Two animation frames: whatever chart.js scheduled has been drawn. */
function settle(): Promise<unknown> {
  return page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))')
}

/** Waits until the chart canvas shows something other than `before`; returns the new pixels. */
async function canvasChangedFrom(before: string, timeoutMs = WAIT_MS): Promise<string> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const now = await canvasPixels()
    if ((now !== before && now !== '') || Date.now() > deadline) return now
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Loads the dashboard from the printed address and picks the custom range (and model filter). */
async function openView(opts: { since?: string; until?: string; models?: string[] } = {}): Promise<void> {
  if (serve === undefined) throw new Error('serve is not running')
  await page.goto(await serve.link())
  await page.getByTestId('range-custom').click()
  await page.getByTestId('range-to').fill(opts.until ?? UNTIL)
  await page.getByTestId('range-from').fill(opts.since ?? SINCE)
  for (const m of opts.models ?? []) await pickModel(m)
}

async function pickModel(model: string): Promise<void> {
  await page.getByTestId('filter-model-button').click()
  await page.getByTestId('filter-model').getByRole('checkbox', { name: model, exact: true }).check()
  await page.keyboard.press('Escape')
}

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-'))
  env = fixtureEnv(join(root, 'data'), TZ)
  serve = await startServe(['--port', '0'], env)
  const launched = await launchPage(root, TZ)
  ctx = launched.ctx
  page = launched.page
  page.on('pageerror', (e) => pageErrors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(`console: ${m.text()}`)
  })
})

afterEach((t) => {
  if (t.task.result?.state === 'fail')
    process.stderr.write(`\n${serve?.output() ?? '(serve stopped)'}\npage errors: ${JSON.stringify(pageErrors)}\n`)
})

afterAll(() => teardown(ctx, serve, root))

describe('dashboard over the real tokenwatch serve', () => {
  it('shows the exact figures of a custom range of whole local days', async () => {
    const want = await expectedKpis()
    // The engine agrees with the external oracle, and with itself grouped another way.
    expect(tokensOf(want.totals)).toBe(EXPECTED_TOKENS_ALL)
    expect(EXPECTED_TOKENS_ALL).toBe(1_848_056)
    expect(want.kpis).toEqual({ cost: '$2.40', tokens: '1,848,056', requests: '31', sessions: '4' })
    expect(await cliJson('day,model')).toMatchObject({ totals: want.totals, unpricedModels: [] })

    await openView()
    // The token is gone from the address; the view is in it (bookmarkable).
    expect(page.url()).toBe(`http://127.0.0.1:${serve?.port}/?range=custom&from=${SINCE}&to=${UNTIL}`)
    expect(await textOf('tz-note', `Times in ${TZ} (the system time zone; none set in Settings)`)).toBe(
      `Times in ${TZ} (the system time zone; none set in Settings)`,
    )
    expect(await readKpis(want.kpis)).toEqual(want.kpis)
    // The chart plots the same total, one bar per local day, largest series first.
    expect(await attrOf('chart', 'data-total', String(EXPECTED_TOKENS_ALL))).toBe(String(EXPECTED_TOKENS_ALL))
    expect(await page.getByTestId('chart').getAttribute('data-buckets')).toBe('14')
    expect(await page.getByTestId('chart').getAttribute('data-series')).toBe(`${OPUS}|${HAIKU}`)
    expect(await page.getByTestId('breakdown-row').count()).toBe(2)
    expect(await page.getByTestId('unpriced-notice').count()).toBe(0)
  })

  it('filters by model: exact filtered figures, and the chart redraws', async () => {
    const want = await expectedKpis([OPUS])
    expect(tokensOf(want.totals)).toBe(EXPECTED_TOKENS_OPUS)
    expect(want.kpis).toEqual({ cost: '$2.33', tokens: '1,847,811', requests: '29', sessions: '3' })

    await openView()
    expect(await attrOf('chart', 'data-series', `${OPUS}|${HAIKU}`)).toBe(`${OPUS}|${HAIKU}`)
    expect(await attrOf('chart', 'data-total', String(EXPECTED_TOKENS_ALL))).toBe(String(EXPECTED_TOKENS_ALL))
    await settle()
    const before = await canvasPixels()
    expect(before).toMatch(/^data:image\/png;base64,/)

    await pickModel(OPUS)
    expect(await readKpis(want.kpis)).toEqual(want.kpis)
    expect(await attrOf('chart', 'data-series', OPUS)).toBe(OPUS)
    expect(await attrOf('chart', 'data-total', String(EXPECTED_TOKENS_OPUS))).toBe(String(EXPECTED_TOKENS_OPUS))
    expect(await canvasChangedFrom(before)).not.toBe(before)
    expect(await textOf('filter-model-button', `Model${OPUS}▾`)).toBe(`Model${OPUS}▾`)
  })

  it('takes live usage appended to a watched transcript without a reload', async () => {
    const before = await expectedKpis([OPUS])
    await openView({ models: [OPUS] })
    expect(await readKpis(before.kpis)).toEqual(before.kpis)
    expect(await attrOf('chart', 'data-total', String(EXPECTED_TOKENS_OPUS))).toBe(String(EXPECTED_TOKENS_OPUS))
    await settle()
    const pixels = await canvasPixels()
    await page.evaluate('window.__e2eNoReload = 1')

    // A new assistant message (new message and request id) in an existing session's transcript.
    const file = join(env.CLAUDE_CONFIG_DIR as string, 'projects', 'spotter', 'tool_heavy.jsonl')
    const template = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('"usage"'))
      .at(-1)
    const line = JSON.parse(template as string) as { message: Record<string, unknown>; [k: string]: unknown }
    line.uuid = '00000000-0000-4000-8000-0000000e2e01'
    line.timestamp = LIVE.ts
    line.requestId = 'req_e2e_live_0001'
    line.message = {
      ...line.message,
      id: 'msg_e2e_live_0001',
      model: OPUS,
      content: [{ type: 'text', text: 'live' }],
      usage: {
        input_tokens: LIVE.input,
        output_tokens: LIVE.output,
        cache_read_input_tokens: LIVE.cacheRead,
        cache_creation_input_tokens: LIVE.cacheWrite,
        cache_creation: { ephemeral_5m_input_tokens: LIVE.cacheWrite, ephemeral_1h_input_tokens: 0 },
        service_tier: 'standard',
      },
    }
    appendFileSync(file, JSON.stringify(line) + '\n')

    // The page follows by itself within seconds: tailer → change event → SSE → refetch.
    const tokensAfter = int.format(EXPECTED_TOKENS_OPUS + LIVE_TOKENS)
    expect(await textOf('kpi-tokens-value', tokensAfter, 8000)).toBe('1,884,811')

    const after = await expectedKpis([OPUS])
    expect(tokensOf(after.totals)).toBe(EXPECTED_TOKENS_OPUS + LIVE_TOKENS)
    expect(after.totals.requests).toBe(before.totals.requests + 1)
    // Cost of the new message from the bundled price table (USD per million tokens, 5-minute cache write).
    const p = (
      JSON.parse(readFileSync(join(REPO, 'resources', 'prices', 'snapshot.json'), 'utf8')) as {
        models: Record<string, Record<string, number>>
      }
    ).models[OPUS]
    const liveCost =
      (LIVE.input * p!.input! + LIVE.output * p!.output! + LIVE.cacheRead * p!.cacheRead! + LIVE.cacheWrite * p!.cacheWrite5m!) / 1e6
    expect((after.totals.costUsd ?? 0) - (before.totals.costUsd ?? 0)).toBeCloseTo(liveCost, 9)
    expect(after.kpis).toEqual({ cost: '$2.42', tokens: '1,884,811', requests: '30', sessions: '3' })
    expect(await readKpis(after.kpis)).toEqual(after.kpis)

    expect(await attrOf('chart', 'data-total', String(EXPECTED_TOKENS_OPUS + LIVE_TOKENS))).toBe(String(EXPECTED_TOKENS_OPUS + LIVE_TOKENS))
    expect(await canvasChangedFrom(pixels)).not.toBe(pixels)
    expect(await page.evaluate('window.__e2eNoReload')).toBe(1)
  })

  it('exports exactly what `tokenwatch report --csv` prints for the same view (days, model filter)', async () => {
    await openView({ models: [OPUS] })
    expect(await attrOf('chart', 'data-total', String(EXPECTED_TOKENS_OPUS + LIVE_TOKENS))).toBe(String(EXPECTED_TOKENS_OPUS + LIVE_TOKENS))
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
    expect(download.suggestedFilename()).toBe('tokenwatch-2026-02-01_2026-02-14-day-model.csv')
    const got = readFileSync(await download.path())
    const cli = await tokenwatch([...reportArgs('day,model', [OPUS]), '--csv'], env)
    expect(got.toString('utf8')).toBe(cli)
    expect(got.equals(Buffer.from(cli, 'utf8'))).toBe(true)
    // Local (+05:30) days: the 2026-02-10 UTC evening session lands on the 11th; the live line on the 12th.
    expect(cli.split('\r\n').slice(0, 2)).toEqual([
      'day,model,input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens',
      '2026-02-11,claude-opus-4-6,57,225,99746,31531,5,0.371093,0',
    ])
    expect(cli.split('\r\n').length).toBe(5)
  })

  it('exports hours split by project the same way for a two-day range', async () => {
    await openView({ since: '2026-02-12', until: '2026-02-13' })
    await page.getByTestId('split').selectOption('project')
    await page.locator('#chart-title', { hasText: 'Tokens per hour' }).waitFor({ timeout: WAIT_MS })
    expect(await attrOf('chart', 'data-buckets', '48')).toBe('48')
    expect(await attrOf('chart', 'data-series', '/home/USER/projects/spotter-worktrees/spotter-dov|/home/marco/projects/spotter')).toBe(
      '/home/USER/projects/spotter-worktrees/spotter-dov|/home/marco/projects/spotter',
    )
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
    expect(download.suggestedFilename()).toBe('tokenwatch-2026-02-12_2026-02-13-hour-project.csv')
    const cli = await tokenwatch([...reportArgs('hour,project', [], '2026-02-12', '2026-02-13'), '--csv'], env)
    expect(readFileSync(await download.path(), 'utf8')).toBe(cli)
    expect(cli).toContain('\r\n2026-02-12T17:00,/home/marco/projects/spotter,1000,2000,30000,4000,1,')
  })

  it('renders the sessions, sources and settings views from the same store', async () => {
    const shots = process.env.SCREENSHOTS === '1' ? join(REPO, 'docs', 'screenshots') : join(REPO, 'test-results', 'e2e')
    mkdirSync(shots, { recursive: true })
    const shot = async (name: string): Promise<void> => {
      // No hover or focus ring left over from the clicks.
      await page.mouse.move(1272, 450)
      await page.evaluate('document.activeElement?.blur()')
      await settle()
      await page.screenshot({ path: join(shots, `${name}.png`) })
    }

    // Six weeks with all four Claude models, as cost per day.
    const [since, until] = ['2026-01-05', '2026-02-14']
    const want = await expectedKpis([], since, until)
    await openView({ since, until })
    await page.getByTestId('metric-cost').click()
    await page.locator('#chart-title', { hasText: 'Cost per day' }).waitFor({ timeout: WAIT_MS })
    expect(await attrOf('chart', 'data-buckets', '41')).toBe('41')
    expect(await attrOf('chart', 'data-series', `${OPUS}|claude-sonnet-4-20250514|claude-opus-4-20250514|${HAIKU}`)).toBe(
      `${OPUS}|claude-sonnet-4-20250514|claude-opus-4-20250514|${HAIKU}`,
    )
    expect(want.kpis.sessions).toBe('5')
    expect(await readKpis(want.kpis)).toEqual(want.kpis)
    expect(await page.getByTestId('breakdown-row').count()).toBe(4)
    await shot('dashboard')

    await page.getByTestId('tab-sessions').click()
    await page.getByTestId('sessions-table').waitFor()
    expect(await page.getByTestId('session-row').count()).toBe(5)
    await shot('sessions')

    // Every stored event of each source, fork replays and streamed duplicates counted once.
    const bySource = Object.fromEntries(
      (JSON.parse(await tokenwatch(['report', '--tz', TZ, '--group-by', 'source', '--json'], env)) as JsonReport).rows.map((r) => [
        r.source,
        r.requests,
      ]),
    )
    expect(bySource).toEqual({ 'claude-code': 35, codex: 196 })
    await page.getByTestId('tab-sources').click()
    await page.getByTestId('source-socket').waitFor()
    const stat = (source: string, label: string) =>
      page.getByTestId(`source-${source}`).locator('dl > div', { hasText: label }).locator('dd').textContent()
    expect(await page.getByTestId('source-claude-code').locator('code').textContent()).toBe(
      join(env.CLAUDE_CONFIG_DIR as string, 'projects'),
    )
    expect([await stat('claude-code', 'Files'), await stat('claude-code', 'Events'), await stat('claude-code', 'Sessions')]).toEqual([
      '6',
      '35',
      '5',
    ])
    expect([await stat('codex', 'Files'), await stat('codex', 'Events'), await stat('codex', 'Lines skipped')]).toEqual(['3', '196', '0'])
    expect(serve?.socket).toBe(join(env.TOKENWATCH_HOME as string, 'ingest.sock'))
    expect(await page.getByTestId('source-socket').locator('code').textContent()).toBe(serve?.socket)
    await shot('sources')

    await page.getByTestId('tab-settings').click()
    await page.getByTestId('settings').waitFor()
    expect(await page.getByTestId('settings-tz').getAttribute('placeholder')).toBe(`System (${TZ})`)
    await shot('settings')

    expect(pageErrors).toEqual([])
  })

  it('stops cleanly on SIGTERM with the page still connected', async () => {
    const s = serve
    serve = undefined
    expect(await s?.stop()).toBe(0)
    expect(s?.output()).toContain('SIGTERM: flushing and closing')
  })
})
