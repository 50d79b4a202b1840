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

async function serve(api: AppApi): Promise<WebServer> {
  const s = await startWebServer({ api, staticDir })
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
  for (const s of servers) await s.close()
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
      const want = aggregate(backend.rows, { ...q, groupBy: [dim] }).rows.map((r) => r[dim] ?? '').sort()
      const shown = async (): Promise<string[]> => (await names()).map((n) => n.replace(/unpriced$/, '')).sort()
      await until(async () => JSON.stringify(await shown()) === JSON.stringify(want))
      // While the next group loads, and once it is there, no "(none)" row: every name is a value of the group.
      expect([dim, await shown()]).toEqual([dim, want])
      const shares = await page.getByTestId('breakdown-row').locator('td.share').allTextContents()
      const sum = shares.reduce((a, s) => a + Number(s.replace('%', '').replace('<', '')), 0)
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
    for (const r of backend.rows) r.project = `/home/alice/work/clients/acme-corporation/monorepo/packages/${r.project}-service-with-a-long-name`
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
