/**
 * Issue #10, "wrong or hidden figures on screen", in real Chromium over the headless server: the
 * breakdown after switching its group, every table fitting (or scrolling inside itself) at 800,
 * 1280 and 1920 px, and the session timeline agreeing with its own list after a range change.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppApi } from '../../src/shared/contract'
import { startWebServer, type WebServer } from '../../src/engine/web/server'
import { launchChromium } from './browser'
import { buildRenderer } from './build-renderer'
import { NOW, aggregate, fixtureBackend, type FixtureBackend } from './fixture-backend'

const FROM_24H = Date.UTC(2026, 2, 4, 16)
const TO_24H = Date.UTC(2026, 2, 5, 16)
const WIDTHS = [800, 1280, 1920] as const

let dir: string
let staticDir: string
let ctx: BrowserContext
let page: Page
const servers: WebServer[] = []

async function serve(api: AppApi, opts: { port?: number; token?: string } = {}): Promise<WebServer> {
  const s = await startWebServer({ api, staticDir, ...opts })
  servers.push(s)
  return s
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  return predicate()
}

/** Answers the breakdown's one-dimension reports late, as a big store does. */
function slowBreakdown(b: FixtureBackend, ms: number): FixtureBackend {
  const report = b.report
  b.report = async (q) => {
    if (q.groupBy.length === 1) await new Promise((r) => setTimeout(r, ms))
    return report(q)
  }
  return b
}

/**
 * Every table on the page either fits inside its scroll box or scrolls inside it (`mustFit`: fits),
 * and no box reaches past the viewport: returns the offenders (empty when all is well).
 */
async function tableOverflow(mustFit: boolean): Promise<string[]> {
  return page.evaluate((mustFit) => {
    const bad: string[] = []
    const vw = document.documentElement.clientWidth
    if (document.documentElement.scrollWidth > vw) bad.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${vw}`)
    for (const t of Array.from(document.querySelectorAll('table'))) {
      const name = t.getAttribute('data-testid') ?? t.className
      const box = t.parentElement as HTMLElement
      const r = box.getBoundingClientRect()
      if (r.right > vw + 0.5) bad.push(`${name}: its box ends at ${r.right} past ${vw}`)
      const scrolls = getComputedStyle(box).overflowX === 'auto' || getComputedStyle(box).overflowX === 'scroll'
      const wider = t.getBoundingClientRect().width > r.width + 0.5
      if (wider && !scrolls) bad.push(`${name}: wider than its box and the box does not scroll`)
      if (wider && mustFit) bad.push(`${name}: ${Math.round(t.getBoundingClientRect().width)} px wide in a ${Math.round(r.width)} px box`)
      // Each cell of the last column can be brought into view inside the box.
      for (const row of Array.from(t.rows)) {
        const last = row.cells[row.cells.length - 1]
        if (last === undefined) continue
        const right = last.getBoundingClientRect().right - t.getBoundingClientRect().left
        if (right > box.scrollWidth + 0.5) bad.push(`${name}: last cell out of reach`)
      }
    }
    return bad
  }, mustFit)
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-ui-figures-'))
  staticDir = join(dir, 'renderer')
  await buildRenderer(staticDir)
  ctx = await launchChromium({ timezoneId: 'Europe/Berlin' })
  page = ctx.pages()[0] ?? (await ctx.newPage())
  await page.clock.setFixedTime(NOW)
})

afterAll(async () => {
  await ctx?.close()
  for (const s of servers) await s.close().catch(() => undefined) // some were stopped by their test
  rmSync(dir, { recursive: true, force: true })
})

describe('breakdown', () => {
  it('switching the group Model → Agent → Project → Model shows only that group, shares adding to 100%', async () => {
    const backend = slowBreakdown(fixtureBackend(), 250)
    const server = await serve(backend)
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(server.url)
    const q = { tz: 'Europe/Berlin', from: FROM_24H, to: TO_24H }
    const names = (): Promise<string[]> => page.getByTestId('breakdown-row').locator('th').allTextContents()
    for (const dim of ['model', 'agent', 'project', 'model', 'agent'] as const) {
      if (dim !== 'model' || (await names()).length > 0) await page.getByTestId(`breakdown-dim-${dim}`).click()
      const want = aggregate(backend.rows, { ...q, groupBy: [dim] })
        .rows.map((r) => r[dim] ?? '')
        .sort()
      const shown = async (): Promise<string[]> => (await names()).map((n) => n.replace(/unpriced$/, '')).sort()
      await until(async () => JSON.stringify(await shown()) === JSON.stringify(want))
      // While the next group loads, and once it is there, no "(none)" row: every name is a value of the group.
      expect([dim, await shown()]).toEqual([dim, want])
      const shares = await page.getByTestId('breakdown-row').locator('td.share').allTextContents()
      const sum = shares.reduce((a, s) => a + Number(s.replace(/[%<>]/g, '')), 0)
      expect([dim, Math.abs(sum - 100) <= 0.1 * shares.length]).toEqual([dim, true])
    }
    // Mid-switch: the old answer keeps its own column heading, so nothing is mislabelled.
    await page.getByTestId('breakdown-dim-project').click()
    expect(await page.getByTestId('breakdown-table').textContent()).not.toContain('(none)')
  })
})

describe('tables fit or scroll inside themselves', () => {
  // At 1280 px and wider the dashboard's and the sessions' tables fit whole (long names are cut
  // with an ellipsis, their full text in the title); at 800 px they scroll inside their card.
  it('at 800, 1280 and 1920 px, with long project paths and several models per session', async () => {
    const backend = fixtureBackend()
    for (const r of backend.rows)
      r.project = `/home/alice/work/clients/acme-corporation/monorepo/packages/${r.project}-service-with-a-long-name`
    // Pushed events without a session id (the agent cell then carries a "no session id" badge) and
    // sessions with several models and unpriced tokens (chips and a "+ unpriced" badge), as real data has.
    const first = backend.rows[0]
    if (first !== undefined)
      for (const h of [10, 12])
        backend.rows.push({
          ...first,
          hour: Date.UTC(2026, 2, 5, h),
          agent: 'nightly-eval-runner',
          session: `implicit:nightly-eval-runner:${first.user}:2026-03-05T${h}Z`,
        })
    const server = await serve(backend)
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 })
      await page.goto(server.url)
      await page.getByTestId('breakdown-dim-project').click()
      await page.getByTestId('breakdown-row').first().waitFor()
      await until(async () => (await page.getByTestId('breakdown-table').textContent())?.includes('acme') === true)
      expect([width, 'dashboard', await tableOverflow(width >= 1280)]).toEqual([width, 'dashboard', []])
      // The breakdown's Cost column is on screen (or in its own scroll box) at every width.
      const costHeader = page.getByTestId('sort-cost')
      await costHeader.scrollIntoViewIfNeeded()
      expect(await costHeader.isVisible()).toBe(true)
      await page.getByTestId('tab-sessions').click()
      await page.getByTestId('range-30d').click()
      await page.getByTestId('session-row').first().waitFor()
      expect([width, 'sessions', await tableOverflow(width >= 1280)]).toEqual([width, 'sessions', []])
      // The timeline link of a row can be reached and clicked.
      const open = page.getByTestId('session-open').first()
      await open.scrollIntoViewIfNeeded()
      const box = await open.boundingBox()
      expect(box !== null && box.x >= 0 && box.x + box.width <= width).toBe(true)
      // The timeline's own table too.
      await open.click()
      await page.getByTestId('session-events').waitFor()
      expect([width, 'timeline', await tableOverflow(false)]).toEqual([width, 'timeline', []])
      await page.getByTestId('session-back').click()
      await page.getByTestId('tab-spend').click()
      await page.locator('.spend-view').waitFor()
      await page.waitForTimeout(300)
      expect([width, 'spend', await tableOverflow(false)]).toEqual([width, 'spend', []])
      await page.getByTestId('tab-dashboard').click()
      await page.getByTestId('range-24h').click()
    }
  })
})

describe('session timeline', () => {
  it('its header sums the requests it lists, and says how many of them the range holds, after a range change', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(server.url)
    await page.getByTestId('tab-sessions').click()
    await page.getByTestId('range-7d').click()
    await page.getByTestId('session-row').first().waitFor()
    // The newest session that began before the last 24 hours and still ran inside them.
    const all = await backend.sessions({ tz: 'Europe/Berlin', from: Date.UTC(2026, 1, 26, 23), to: Date.UTC(2026, 2, 5, 23) })
    const straddling = all.filter((s) => s.firstTs < FROM_24H && s.lastTs >= FROM_24H)
    expect(straddling.length).toBeGreaterThan(0)
    const pick = straddling[0]
    if (pick === undefined) return
    await page
      .getByTestId('session-row')
      .filter({ has: page.getByLabel(`Open Session ${pick.sessionId}`) })
      .getByTestId('session-open')
      .click()
    await page.getByTestId('session-events').waitFor()
    const listed = (await backend.sessionEvents({ sessionId: pick.sessionId })).reduce((n, e) => n + e.requests, 0)
    const inRange = (await backend.sessions({ tz: 'Europe/Berlin', from: FROM_24H, to: TO_24H })).find(
      (s) => s.sessionId === pick.sessionId,
    )?.requests
    expect(inRange).toBeDefined()
    expect(inRange).not.toBe(listed)
    expect(await page.getByTestId('timeline-requests').textContent()).toBe(`${listed} requests`)
    await page.getByTestId('range-24h').click()
    await until(async () => (await page.getByTestId('timeline-in-range').count()) > 0)
    expect(await page.getByTestId('timeline-requests').textContent()).toBe(`${listed} requests`)
    expect(await page.getByTestId('timeline-in-range').textContent()).toBe(` · ${inRange} of them in the selected range`)
    expect(await page.getByTestId('session-events').locator('tbody tr').count()).toBe(
      (await backend.sessionEvents({ sessionId: pick.sessionId })).length,
    )
  })
})

describe('long ranges and midnights', () => {
  const chartBox = () => page.getByTestId('chart-box')
  async function attr(name: string, want: string): Promise<string | null> {
    await until(async () => (await chartBox().getAttribute(name)) === want)
    return chartBox().getAttribute(name)
  }

  it('marks the midnight of the last 24 hours with a line and the new date', async () => {
    const server = await serve(fixtureBackend())
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(server.url)
    // 17:00 on Mar 4 … 16:00 on Mar 5 (Berlin): Mar 5 begins at the 8th bar.
    expect(await attr('data-marks', '7:Mar 5')).toBe('7:Mar 5')
    const labels = (await chartBox().getAttribute('data-labels'))?.split('|')
    expect(labels?.slice(0, 8)).toEqual(['05:00 PM', '06:00 PM', '07:00 PM', '08:00 PM', '09:00 PM', '10:00 PM', '11:00 PM', 'Mar 5'])
    // The line was drawn on the canvas, between the 23:00 and the midnight bar.
    const canvas = page.locator('[data-testid="chart"] canvas')
    await until(async () => (await canvas.getAttribute('data-marks-drawn')) !== null)
    const drawn = (await canvas.getAttribute('data-marks-drawn'))?.split(',').map(Number) ?? []
    const width = (await canvas.boundingBox())?.width ?? 0
    expect(drawn).toHaveLength(1)
    // 24 bars across the plot: the 7/8 boundary lies a little under a third of the way along.
    expect((drawn[0] ?? 0) / width).toBeGreaterThan(0.27)
    expect((drawn[0] ?? 0) / width).toBeLessThan(0.36)
    // "Today" has no midnight inside it: no line.
    await page.getByTestId('range-today').click()
    expect(await attr('data-marks', '')).toBe('')
  })

  it('picks week bars past 92 days and month bars past a year, with the year in the labels', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.url)
    await page.getByTestId('range-custom').click()
    await page.getByTestId('range-from').fill('2025-11-20')
    await page.getByTestId('range-to').fill('2026-03-05')
    await page.locator('#chart-title', { hasText: 'Tokens per week' }).waitFor()
    const weekly = (await chartBox().getAttribute('data-labels'))?.split('|') ?? []
    // Mondays from Nov 17, 2025 to Mar 2, 2026: 16 weeks; last year's carry their year.
    expect(weekly).toHaveLength(16)
    expect([weekly[0], weekly[6], weekly[7], weekly[15]]).toEqual(['Nov 17, 2025', 'Dec 29, 2025', 'Jan 5', 'Mar 2'])
    const weekQuery = backend.calls
      .filter((c) => c.method === 'report')
      .map((c) => c.arg as { groupBy: string[] })
      .find((q) => q.groupBy[0] === 'week')
    expect(weekQuery?.groupBy).toEqual(['week', 'model'])
    // The week bars hold every token of the range.
    const total = aggregate(backend.rows, {
      tz: 'Europe/Berlin',
      from: Date.UTC(2025, 10, 19, 23),
      to: Date.UTC(2026, 2, 5, 23),
      groupBy: [],
    }).totals
    expect(Number(await page.getByTestId('chart').getAttribute('data-total'))).toBe(
      total.input + total.output + total.cacheRead + total.cacheWrite,
    )

    await page.getByTestId('range-from').fill('2024-12-01')
    await page.locator('#chart-title', { hasText: 'Tokens per month' }).waitFor()
    const monthly = (await chartBox().getAttribute('data-labels'))?.split('|') ?? []
    expect(monthly).toHaveLength(16)
    expect([monthly[0], monthly[1], monthly[15]]).toEqual(['Dec 2024', 'Jan 2025', 'Mar 2026'])
    // Ninety days stay daily: this year's days without the year, last year's with it.
    await page.getByTestId('range-90d').click()
    await page.locator('#chart-title', { hasText: 'Tokens per day' }).waitFor()
    const daily = (await chartBox().getAttribute('data-labels'))?.split('|') ?? []
    expect(daily).toHaveLength(90)
    expect(daily.at(-1)).toBe('Mar 5')
    expect(daily[0]).toBe('Dec 6, 2025')
  })

  it('marks midnight in a session timeline that runs past it', async () => {
    const backend = fixtureBackend()
    const base = {
      user: 'alice',
      agent: 'claude-code',
      project: 'token-watch',
      model: 'claude-opus-4-6',
      session: 'late-night',
      source: 'claude-code' as const,
      input: 10,
      output: 20,
      cacheRead: 0,
      cacheWrite: 0,
      requests: 1,
      costMicro: 550,
      unpriced: false,
    }
    // 22:00 and 23:00 on Mar 4, then 00:00 and 01:00 on Mar 5 (Berlin).
    for (const h of [21, 22, 23, 24]) backend.rows.push({ ...base, hour: Date.UTC(2026, 2, 4, h) })
    const server = await serve(backend)
    await page.goto(server.url)
    await page.getByTestId('tab-sessions').click()
    await page.getByLabel('Open Session late-night').click()
    await page.getByTestId('session-events').waitFor()
    expect(await attr('data-marks', '2:Mar 5')).toBe('2:Mar 5')
    expect((await chartBox().getAttribute('data-labels'))?.split('|')).toEqual([
      '10:20:00 PM',
      '11:20:00 PM',
      'Mar 5 12:20:00 AM',
      '01:20:00 AM',
    ])
  })
})

describe('implicit sessions', () => {
  it('lists pushed events without a session id as "no session id", named by agent, user and hour', async () => {
    const backend = fixtureBackend()
    const base = {
      user: 'alice',
      agent: 'nightly-eval',
      project: '',
      model: 'local-llama-3',
      source: 'socket' as const,
      input: 10,
      output: 20,
      cacheRead: 0,
      cacheWrite: 0,
      requests: 3,
      costMicro: 0,
      unpriced: true,
    }
    backend.rows.push({ ...base, hour: Date.UTC(2026, 2, 5, 13), session: 'implicit:nightly-eval:alice:2026-03-05T13Z' })
    const server = await serve(backend)
    await page.goto(server.url)
    await page.getByTestId('tab-sessions').click()
    const label = 'No session id: nightly-eval, alice, the hour from Mar 5, 02:00 PM'
    const row = page.getByTestId('session-row').filter({ has: page.getByLabel(`Open ${label}`) })
    expect(await row.getByTestId('session-implicit').textContent()).toBe('no session id')
    await row.getByTestId('session-open').click()
    expect(await page.locator('#timeline-title').textContent()).toBe(label)
    // No project was pushed: the summary leaves it out instead of an empty "agent ·  · from" slot.
    const summary = (await page.getByTestId('timeline-summary').textContent()) ?? ''
    expect(summary).toMatch(/^nightly-eval · Mar 5, /)
    expect(summary).not.toMatch(/·\s*·/)
  })
})

describe('series colours', () => {
  const colours = async (): Promise<Map<string, string>> => {
    const chart = page.getByTestId('chart')
    const names = (await chart.getAttribute('data-series'))?.split('|') ?? []
    const cs = (await chart.getAttribute('data-colors'))?.split('|') ?? []
    return new Map(names.map((n, i) => [n, cs[i] ?? '']))
  }

  it('a series keeps its colour when another is filtered away and back, or a new one arrives', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.url)
    await page.evaluate(() => localStorage.clear())
    await page.reload()
    await until(async () => (await colours()).size === 4)
    const all = await colours()
    expect(new Set(all.values()).size).toBe(4)
    // Only sonnet and llama: each keeps the colour it had beside the others.
    await page.getByTestId('filter-model-button').click()
    await page.locator('.multi-panel li', { hasText: 'claude-sonnet-4-5' }).locator('input').check()
    await page.locator('.multi-panel li', { hasText: 'local-llama-3' }).locator('input').check()
    await page.keyboard.press('Escape')
    await until(async () => (await colours()).size === 2)
    const two = await colours()
    expect([two.get('claude-sonnet-4-5'), two.get('local-llama-3')]).toEqual([all.get('claude-sonnet-4-5'), all.get('local-llama-3')])
    // Opening the dashboard again (no filter) keeps them too.
    await page.goto(`http://127.0.0.1:${server.port}/`)
    await until(async () => (await colours()).size === 4)
    expect(await colours()).toEqual(all)
    // A new model arrives (first in name order): the others keep theirs, it gets a colour of its own.
    backend.rows.push({
      ...(backend.rows[backend.rows.length - 1] as (typeof backend.rows)[number]),
      model: 'claude-haiku-4-5',
      session: 'new-model',
    })
    backend.emit({ hours: [], at: NOW })
    await until(async () => (await colours()).size === 5)
    const five = await colours()
    for (const [name, colour] of all) expect([name, five.get(name)]).toEqual([name, colour])
    expect([...all.values()]).not.toContain(five.get('claude-haiku-4-5'))
    backend.rows.pop()
  })

  it('no two series shown together share a colour, with more values than colours', async () => {
    const backend = fixtureBackend()
    // Twelve projects; the two biggest sit ten apart in name order (a palette of ten colours).
    backend.rows.forEach((r, i) => {
      r.project = `p${String(i % 12).padStart(2, '0')}`
    })
    for (const r of backend.rows) if (r.project === 'p00' || r.project === 'p10') r.cacheRead *= 20
    const server = await serve(backend)
    await page.goto(server.url)
    await page.evaluate(() => localStorage.clear())
    await page.reload()
    await page.getByTestId('split').selectOption('project')
    await until(async () => (await colours()).has('p10'))
    const shown = await colours()
    shown.delete('Other')
    expect(shown.size).toBe(7)
    expect([...shown.keys()].slice(0, 2).sort()).toEqual(['p00', 'p10'])
    expect(new Set(shown.values()).size).toBe(7)
  })
})

describe('which range, which zone', () => {
  it("names the range above the figures, dates the header's Today, and states the zone rule", async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.url)
    await page.getByTestId('range-caption').waitFor()
    expect(await page.getByTestId('range-caption').textContent()).toBe('Last 24 hours: Mar 4, 05:00 PM – Mar 5, 05:00 PM')
    expect(await page.getByTestId('today-label').textContent()).toBe('Today, Mar 5')
    expect(await page.getByTestId('tz-note').textContent()).toBe('Times in Europe/Berlin (the system time zone; none set in Settings)')
    await page.getByTestId('range-7d').click()
    await until(async () => (await page.getByTestId('range-caption').textContent()) === 'Last 7 days: Feb 27 – Mar 5')
    expect(await page.getByTestId('range-caption').textContent()).toBe('Last 7 days: Feb 27 – Mar 5')
    await page.getByTestId('range-today').click()
    await until(async () => (await page.getByTestId('range-caption').textContent()) === 'Today: Mar 5')
    // Today's tile and the header's Today are the same figure.
    expect(await page.getByTestId('kpi-cost-value').textContent()).toBe(await page.getByTestId('today-spend-value').textContent())

    // A zone in Settings wins, and the page says so: at 15:20 UTC it is already Mar 6 in Kiritimati (+14).
    await backend.setSettings({ timeZone: 'Pacific/Kiritimati' })
    await page.reload()
    await until(async () => (await page.getByTestId('tz-note').textContent())?.includes('Kiritimati') === true)
    expect(await page.getByTestId('tz-note').textContent()).toBe('Times in Pacific/Kiritimati (the Settings time zone)')
    expect(await page.getByTestId('today-label').textContent()).toBe('Today, Mar 6')
    expect(backend.calls.filter((c) => c.method === 'todaySpend').at(-1)?.arg).toEqual({ tz: 'Pacific/Kiritimati' })
  })
})

describe('a paused engine', () => {
  it('says so on the dashboard and on every log source card; pushed sources still receive', async () => {
    const backend = fixtureBackend()
    await backend.setSettings({ paused: true })
    const server = await serve(backend)
    await page.goto(server.url)
    await page.getByTestId('paused-notice').waitFor()
    expect(await page.getByTestId('paused-notice').textContent()).toContain('Watching is paused:')
    await page.getByTestId('tab-sources').click()
    await page.getByTestId('source-claude-code').waitFor()
    expect(await page.getByTestId('source-badge-claude-code').textContent()).toBe('paused')
    expect(await page.getByTestId('source-badge-codex').textContent()).toBe('paused')
    // Not found stays not found; the socket keeps receiving, named for what it is.
    expect(await page.getByTestId('source-badge-gemini-cli').textContent()).toBe('not found')
    expect(await page.getByTestId('source-badge-socket').textContent()).toBe('receiving')
    expect(await page.getByTestId('source-socket').locator('h3').textContent()).toBe('Local socket (NDJSON push)')
    expect(await page.getByTestId('paused-notice').count()).toBe(1)
    // Resumed (from the tray, say): the next change event brings it back.
    await backend.setSettings({ paused: false })
    backend.emit({ hours: [], at: NOW })
    await until(async () => (await page.getByTestId('paused-notice').count()) === 0)
    expect(await page.getByTestId('paused-notice').count()).toBe(0)
    await until(async () => (await page.getByTestId('source-badge-claude-code').textContent()) === 'watching')
    expect(await page.getByTestId('source-badge-claude-code').textContent()).toBe('watching')
  })
})

describe('the view in the address', () => {
  it('keeps range, metric, split, filters and tab in the URL: a reload or a bookmark opens the same view', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.url)
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/`)
    await page.getByTestId('range-7d').click()
    await page.getByTestId('metric-cost').click()
    await page.getByTestId('split').selectOption('agent')
    await page.getByTestId('filter-model-button').click()
    await page.locator('.multi-panel li', { hasText: 'claude-sonnet-4-5' }).locator('input').check()
    await page.keyboard.press('Escape')
    const want = `http://127.0.0.1:${server.port}/?range=7d&metric=cost&split=agent&model=claude-sonnet-4-5`
    await until(() => page.url() === want)
    expect(page.url()).toBe(want)
    const check = async (): Promise<void> => {
      await page.locator('#chart-title', { hasText: 'Cost per day' }).waitFor()
      expect(await page.getByTestId('range-7d').getAttribute('aria-pressed')).toBe('true')
      expect(await page.getByTestId('split').inputValue()).toBe('agent')
      const last = backend.calls.filter((c) => c.method === 'report' && (c.arg as { groupBy: string[] }).groupBy[0] === 'day').at(-1)?.arg
      expect(last).toEqual({
        tz: 'Europe/Berlin',
        from: Date.UTC(2026, 1, 26, 23),
        to: Date.UTC(2026, 2, 5, 23),
        models: ['claude-sonnet-4-5'],
        groupBy: ['day', 'agent'],
      })
    }
    backend.calls.length = 0
    await page.reload()
    await check()
    // A bookmark: the address typed in again, from the bare dashboard.
    await page.goto(`http://127.0.0.1:${server.port}/`)
    await page.locator('#chart-title', { hasText: 'Tokens per hour' }).waitFor()
    backend.calls.length = 0
    await page.goto(want)
    await check()
    // A custom range and the Sessions tab go in too; clearing it all gives the bare address back.
    await page.getByTestId('tab-sessions').click()
    await page.getByTestId('range-custom').click()
    await until(() => page.url().includes('tab=sessions') && page.url().includes('range=custom'))
    expect(new URL(page.url()).searchParams.get('from')).toBe('2026-02-27')
    expect(new URL(page.url()).searchParams.get('to')).toBe('2026-03-05')
    await page.getByTestId('range-24h').click()
    await page.getByTestId('filters-clear').click()
    await page.getByTestId('tab-dashboard').click()
    await page.getByTestId('metric-tokens').click()
    await page.getByTestId('split').selectOption('model')
    await until(() => page.url() === `http://127.0.0.1:${server.port}/`)
    expect(page.url()).toBe(`http://127.0.0.1:${server.port}/`)
  })
})

describe('a stopped or restarted server', () => {
  it('says the figures are frozen, reconnects when the server is back, and asks for the new link after a restart', async () => {
    const backend = fixtureBackend()
    let server = await serve(backend)
    const { port, token } = server
    await page.goto(server.url)
    expect(await until(async () => (await page.getByTestId('kpi-requests-value').textContent()) === '317')).toBe(true)
    expect(await page.getByTestId('connection-lost').count()).toBe(0)

    // The server stops: the page says so instead of showing frozen numbers as if live.
    await server.close()
    await page.getByTestId('connection-lost').waitFor({ timeout: 10_000 })
    expect(await page.getByTestId('connection-lost').textContent()).toContain(
      'The Token Watch server stopped answering at Mar 5, 04:20 PM: the figures below are from then.',
    )

    // It comes back on the same port with the same access (a restart of the same session): the
    // notice goes and the figures refetch, including what arrived meanwhile.
    backend.rows.push({ ...(backend.rows.at(-1) as (typeof backend.rows)[number]), requests: 5, session: 'while-away' })
    server = await serve(backend, { port, token })
    await until(async () => (await page.getByTestId('connection-lost').count()) === 0, 15_000)
    expect(await page.getByTestId('connection-lost').count()).toBe(0)
    expect(await until(async () => (await page.getByTestId('kpi-requests-value').textContent()) === '322')).toBe(true)

    // A real restart hands out a new token: the page asks for the new link.
    await server.close()
    await page.getByTestId('connection-lost').waitFor({ timeout: 10_000 })
    server = await serve(backend, { port })
    await page.getByTestId('connection-signed-out').waitFor({ timeout: 15_000 })
    expect(await page.getByTestId('connection-signed-out').textContent()).toContain('open the new link it printed')
    expect(await page.getByTestId('connection-lost').count()).toBe(0)
    backend.rows.pop()
  }, 60_000)
})

describe('clock times', () => {
  it('a 5-hour block\'s end reads with its AM/PM, five hours after its start (was cut to "02:00" for 2 PM)', async () => {
    const server = await serve(fixtureBackend())
    await page.setViewportSize({ width: 1280, height: 900 })
    await page.goto(server.url)
    await page.getByTestId('tab-spend').click()
    await page.getByTestId('block-row').first().waitFor()
    const rows = await page
      .locator('[data-testid="block-row"]:not([data-active])')
      .evaluateAll((rs) => rs.map((r) => [r.children[0]?.textContent ?? '', r.children[1]?.textContent ?? '']))
    expect(rows.length).toBeGreaterThan(0)
    const hour = (s: string): number => {
      const m = /(\d\d):(\d\d)\s?(AM|PM)$/.exec(s)
      if (m === null) return NaN
      return (Number(m[1]) % 12) + (m[3] === 'PM' ? 12 : 0)
    }
    for (const [start, end] of rows) expect([start, end, hour(end)]).toEqual([start, end, (hour(start) + 5) % 24])
  })
})
