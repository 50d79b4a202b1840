/**
 * The renderer in real Chromium, served by the headless web server over a fixed contract
 * backend: exact KPI figures, filters reaching the request, live refetch on change events,
 * CSV export of the shown query, session drill-down, sortable breakdown and unpriced flags.
 * (First run, error states, dark mode and the settings form: states.test.ts.)
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ReportQuery } from '../../src/shared/contract'
import { startWebServer, type WebServer } from '../../src/engine/web/server'
import { launchChromium } from './browser'
import { buildRenderer } from './build-renderer'
import { NOW, aggregate, fixtureBackend, type FixtureBackend } from './fixture-backend'

const H = 3_600_000
/** "24 h" at NOW (16:20 in Berlin): the 24 whole Berlin hours ending with the current one. */
const FROM_24H = Date.UTC(2026, 2, 4, 16)
const TO_24H = Date.UTC(2026, 2, 5, 16)

let dir: string
let staticDir: string
let backend: FixtureBackend
let server: WebServer
let ctx: BrowserContext
let page: Page

/** Polls an element's text until it equals `expected` (or times out) and returns the last text. */
async function textOf(testid: string, expected: string, timeoutMs = 5000): Promise<string> {
  const loc = page.getByTestId(testid)
  const deadline = Date.now() + timeoutMs
  let last = ''
  while (Date.now() < deadline) {
    last = (await loc.count()) > 0 ? ((await loc.first().textContent()) ?? '') : '<missing>'
    if (last === expected) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return last
}

/** Waits until `predicate` holds for the backend's recorded calls. */
async function until(predicate: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  return predicate()
}

const chartReports = (): ReportQuery[] =>
  backend.calls.filter((c) => c.method === 'report' && (c.arg as ReportQuery).groupBy[0] === 'hour').map((c) => c.arg as ReportQuery)

async function openDashboard(): Promise<void> {
  backend.calls.length = 0
  await page.goto(server.newLink())
  expect(await textOf('kpi-cost-value', '$15.56')).toBe('$15.56')
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-ui-'))
  staticDir = join(dir, 'renderer')
  await buildRenderer(staticDir)
  backend = fixtureBackend()
  server = await startWebServer({ api: backend, staticDir })
  ctx = await launchChromium({ timezoneId: 'Europe/Berlin' })
  page = ctx.pages()[0] ?? (await ctx.newPage())
  await page.clock.setFixedTime(NOW)
})

afterAll(async () => {
  await ctx?.close()
  await server?.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('dashboard in Chromium over the headless server', () => {
  it('signs in with a one-time link: the code leaves the address bar, the session is an HttpOnly SameSite=Strict cookie, the token appears nowhere', async () => {
    const link = server.newLink()
    expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?code=[\\w-]{43}$`))
    expect(link).not.toContain(server.token)
    backend.calls.length = 0
    await page.goto(link)
    expect(await textOf('kpi-cost-value', '$15.56')).toBe('$15.56')
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/`)
    const cookies = await ctx.cookies()
    expect(cookies.map((c) => ({ name: c.name, value: c.value, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([
      { name: `tokenwatch_${server.port}`, value: server.token, httpOnly: true, sameSite: 'Strict' },
    ])
    // The page itself never holds the token: not in script-visible cookies, storage or the URL.
    expect(await page.evaluate(() => [document.cookie, sessionStorage.getItem('tokenwatch.token'), location.href])).toEqual([
      '',
      null,
      `http://127.0.0.1:${server.port}/`,
    ])
    // A reload keeps working on the cookie.
    await page.reload()
    expect(await textOf('kpi-requests-value', '317')).toBe('317')

    // The same link in another browser: used, so refused (and a fresh one is made for the terminal).
    const other = await launchChromium({ timezoneId: 'Europe/Berlin' })
    try {
      const p2 = other.pages()[0] ?? (await other.newPage())
      const res = await p2.goto(link)
      expect(res?.status()).toBe(401)
      expect(await p2.locator('h1').textContent()).toBe('This dashboard link was already used or has expired')
      const api = await p2.request.post(`http://127.0.0.1:${server.port}/api/dimensions`, { data: {} })
      expect(api.status()).toBe(401)
    } finally {
      await other.close()
    }
  })

  it('a one-time link expires unused', async () => {
    const short = await startWebServer({ api: backend, staticDir, codeTtlMs: 300 })
    const fresh = await launchChromium({ timezoneId: 'Europe/Berlin' })
    try {
      const p2 = fresh.pages()[0] ?? (await fresh.newPage())
      const link = short.newLink()
      await new Promise((r) => setTimeout(r, 600))
      expect((await p2.goto(link))?.status()).toBe(401)
      expect(await fresh.cookies()).toEqual([])
      // A fresh one still signs in.
      expect((await p2.goto(short.newLink()))?.status()).toBe(200)
      expect((await fresh.cookies()).map((c) => c.name)).toEqual([`tokenwatch_${short.port}`])
    } finally {
      await fresh.close()
      await short.close()
    }
  })

  it('shows the exact figures of the last 24 hours in the viewer zone, unpriced flagged', async () => {
    await openDashboard()
    expect(chartReports()[0]).toEqual({ tz: 'Europe/Berlin', from: FROM_24H, to: TO_24H, groupBy: ['hour', 'model'] })
    expect(await textOf('kpi-cost-value', '$15.56')).toBe('$15.56')
    expect(await textOf('kpi-tokens-value', '18,697,059')).toBe('18,697,059')
    expect(await textOf('kpi-requests-value', '317')).toBe('317')
    expect(await textOf('kpi-sessions-value', '13')).toBe('13')
    // Against the 24 hours before: $10.11 → +53.9 %, 231 → 317 requests, 14 → 13 sessions.
    expect(await textOf('kpi-cost-change', '▲ +53.9% vs previous period')).toBe('▲ +53.9% vs previous period')
    expect(await textOf('kpi-requests-change', '▲ +37.2% vs previous period')).toBe('▲ +37.2% vs previous period')
    expect(await textOf('kpi-sessions-change', '▼ -7.1% vs previous period')).toBe('▼ -7.1% vs previous period')
    expect(await textOf('kpi-cost-unpriced', '208.5K tokens unpriced')).toBe('208.5K tokens unpriced')

    const chart = page.getByTestId('chart')
    expect(await chart.getAttribute('data-buckets')).toBe('24')
    expect(await chart.getAttribute('data-series')).toBe('claude-sonnet-4-5|claude-opus-4-6|gpt-5-codex|local-llama-3')
    expect(await page.locator('[data-testid="chart"] canvas').count()).toBe(1)

    // The unpriced model's cost reads "unpriced", never $0.00.
    const llama = page.getByTestId('breakdown-row').filter({ hasText: 'local-llama-3' })
    expect(await llama.locator('td').nth(6).textContent()).toBe('unpriced')
    expect(await page.getByTestId('breakdown-table').textContent()).not.toContain('$0.00')
    expect(await page.getByTestId('unpriced-notice').textContent()).toContain('local-llama-3')
    // The model picker flags it from dimensions; no all-time report is asked for it.
    await page.getByTestId('filter-model-button').click()
    expect(await page.locator('.multi-panel li').filter({ hasText: 'unpriced' }).textContent()).toBe('local-llama-3unpriced')
    await page.keyboard.press('Escape')
    expect(backend.calls.filter((c) => c.method === 'report' && (c.arg as ReportQuery).from === undefined)).toEqual([])

    // The README's screenshots come from the end-to-end suite (real engine); this one stays a test artifact.
    const shot = resolve(__dirname, '../../test-results/renderer-dashboard.png')
    mkdirSync(resolve(shot, '..'), { recursive: true })
    await page.screenshot({ path: shot, fullPage: true })
  })

  it('sends the model filter, chosen with the keyboard, in every query', async () => {
    await openDashboard()
    await page.getByTestId('filter-model-button').focus()
    await page.keyboard.press('Enter')
    await page.keyboard.press('Tab') // claude-opus-4-6
    await page.keyboard.press('Tab') // claude-sonnet-4-5
    await page.keyboard.press('Space')
    await page.keyboard.press('Escape')

    expect(await until(() => chartReports().some((q) => q.models !== undefined))).toBe(true)
    expect(chartReports().at(-1)).toEqual({
      tz: 'Europe/Berlin',
      from: FROM_24H,
      to: TO_24H,
      models: ['claude-sonnet-4-5'],
      groupBy: ['hour', 'model'],
    })
    const prevQuery = backend.calls
      .filter((c) => c.method === 'report')
      .map((c) => c.arg as ReportQuery)
      .find((q) => q.from === FROM_24H - 24 * H)
    expect(prevQuery).toBeDefined()
    const sessionsQuery = backend.calls.filter((c) => c.method === 'sessionCount').at(-1)?.arg
    expect(sessionsQuery).toMatchObject({ models: ['claude-sonnet-4-5'] })

    expect(await textOf('kpi-cost-value', '$6.55')).toBe('$6.55')
    expect(await textOf('kpi-tokens-value', '7,862,947')).toBe('7,862,947')
    expect(await textOf('kpi-requests-value', '130')).toBe('130')
    expect(await textOf('kpi-sessions-value', '4')).toBe('4')
    expect(await textOf('filter-model-button', 'Modelclaude-sonnet-4-5▾')).toBe('Modelclaude-sonnet-4-5▾')
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('filter-model-button')
  })

  it('refetches and redraws when a change event arrives', async () => {
    await openDashboard()
    const before = backend.calls.filter((c) => c.method === 'report').length
    const hour = Math.floor(NOW / H) * H
    backend.rows.push({
      hour,
      user: 'alice',
      agent: 'claude-code',
      project: 'token-watch',
      model: 'claude-opus-4-6',
      session: 'live-1',
      source: 'claude-code',
      input: 1000,
      output: 2000,
      cacheRead: 0,
      cacheWrite: 0,
      requests: 5,
      costMicro: 55_000,
      unpriced: false,
    })
    try {
      backend.emit({ at: NOW })
      expect(await textOf('kpi-requests-value', '322')).toBe('322')
      expect(await textOf('kpi-tokens-value', '18,700,059')).toBe('18,700,059')
      expect(await textOf('kpi-cost-value', '$15.61')).toBe('$15.61')
      expect(await textOf('kpi-sessions-value', '14')).toBe('14')
      expect(backend.calls.filter((c) => c.method === 'report').length).toBeGreaterThan(before)
    } finally {
      backend.rows.pop()
    }
  })

  it('exports exactly the shown query as a CSV download', async () => {
    await openDashboard()
    await page.getByTestId('range-7d').click()
    await page.getByTestId('split').selectOption('project')
    expect(
      await until(() =>
        backend.calls.some((c) => c.method === 'report' && JSON.stringify((c.arg as ReportQuery).groupBy) === '["day","project"]'),
      ),
    ).toBe(true)
    const shown = backend.calls
      .filter((c) => c.method === 'report')
      .map((c) => c.arg as ReportQuery)
      .filter((q) => q.groupBy[0] === 'day')
      .at(-1)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()])
    const exported = backend.calls.find((c) => c.method === 'reportCsv')?.arg
    expect(exported).toEqual(shown)
    expect(exported).toEqual({
      tz: 'Europe/Berlin',
      from: Date.UTC(2026, 1, 26, 23),
      to: Date.UTC(2026, 2, 5, 23),
      groupBy: ['day', 'project'],
    })
    expect(download.suggestedFilename()).toBe('tokenwatch-2026-02-27_2026-03-05-day-project.csv')
    const path = await download.path()
    expect(readFileSync(path, 'utf8')).toBe('hour,model,requests\r\n2026-03-05T16:00,claude-opus-4-6,3\r\n')
    expect(backend.calls.some((c) => c.method === 'exportCsv')).toBe(false)
  })

  it('lists the sessions of the range and drills into one', async () => {
    await openDashboard()
    await page.getByTestId('tab-sessions').click()
    await page.getByTestId('sessions-table').waitFor()
    expect(await page.getByTestId('session-row').count()).toBe(13)
    expect(await textOf('sessions-count', '13 in this range')).toBe('13 in this range')
    await page.getByTestId('session-open').first().click()
    await page.getByTestId('session-events').waitFor()
    const opened = backend.calls.find((c) => c.method === 'sessionEvents')?.arg as { sessionId: string }
    expect(opened.sessionId).toBe('claude-code-api-server-20517-2')
    expect(await page.getByTestId('session-events').locator('tbody tr').count()).toBe(5)
    await page.getByTestId('session-back').click()
    await page.getByTestId('sessions-table').waitFor()
    // 30 days hold 357 sessions: all counted, the most recent listed (the fixture cuts at 100).
    await page.getByTestId('range-30d').click()
    expect(await textOf('sessions-count', '357 in this range, showing the 100 most recent')).toBe(
      '357 in this range, showing the 100 most recent',
    )
  })

  it('sorts the breakdown by the header clicked, numbers first descending, then ascending', async () => {
    await openDashboard()
    const q = { tz: 'Europe/Berlin', from: FROM_24H, to: TO_24H, groupBy: ['model' as const] }
    const rows = aggregate(backend.rows, q).rows
    const order = (key: (r: (typeof rows)[number]) => number): string[] =>
      [...rows].sort((a, b) => key(b) - key(a)).map((r) => r.model ?? '')
    const names = async (): Promise<string[]> => page.getByTestId('breakdown-row').locator('th').allTextContents()
    const shown = async (want: string[]): Promise<string[]> => {
      const deadline = Date.now() + 5000
      let got = await names()
      while (JSON.stringify(got) !== JSON.stringify(want) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50))
        got = await names()
      }
      return got
    }
    // Default: by cost, highest first; the unpriced model (no cost) last, its badge beside its name.
    const byCost = order((r) => r.costUsd).map((m) => (m === 'local-llama-3' ? 'local-llama-3unpriced' : m))
    expect(await shown(byCost)).toEqual(byCost)
    expect(await page.getByTestId('sort-cost').locator('..').getAttribute('aria-sort')).toBe('descending')

    await page.getByTestId('sort-requests').click()
    const byRequests = order((r) => r.requests).map((m) => (m === 'local-llama-3' ? 'local-llama-3unpriced' : m))
    expect(byRequests).not.toEqual(byCost)
    expect(await shown(byRequests)).toEqual(byRequests)
    expect(await page.getByTestId('sort-requests').locator('..').getAttribute('aria-sort')).toBe('descending')
    expect(await page.getByTestId('sort-cost').locator('..').getAttribute('aria-sort')).toBe('none')

    await page.getByTestId('sort-requests').click()
    const ascending = [...byRequests].reverse()
    expect(await shown(ascending)).toEqual(ascending)
    expect(await page.getByTestId('sort-requests').locator('..').getAttribute('aria-sort')).toBe('ascending')
    // The name column sorts alphabetically, A first.
    await page.getByTestId('sort-name').click()
    const byName = [...byCost].sort((a, b) => a.localeCompare(b))
    expect(await shown(byName)).toEqual(byName)
  })

  it('flags the unpriced model in the chart legend for every metric, not only cost', async () => {
    await openDashboard()
    const chart = page.getByTestId('chart')
    for (const metric of ['tokens', 'requests', 'cost'] as const) {
      await page.getByTestId(`metric-${metric}`).click()
      const want = metric === 'cost' ? 'Cost per hour' : metric === 'tokens' ? 'Tokens per hour' : 'Requests per hour'
      await page.locator('#chart-title', { hasText: want }).waitFor()
      expect([metric, await chart.getAttribute('data-unpriced')]).toEqual([metric, 'local-llama-3'])
    }
    // Split by agent: the agent whose usage is unpriced carries the flag.
    await page.getByTestId('metric-tokens').click()
    await page.getByTestId('split').selectOption('agent')
    const deadline = Date.now() + 5000
    while ((await chart.getAttribute('data-series'))?.includes('nightly-eval') !== true && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    expect(await chart.getAttribute('data-unpriced')).toBe('nightly-eval')
  })
})
