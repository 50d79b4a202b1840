/**
 * The renderer's other states in real Chromium over the headless web server: the first run (what
 * discovery found, the backfill's progress, kept until the backfill has finished), readable
 * errors when the API fails, dark mode, the budget's edge, and a settings form that sends only
 * what the user changed.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AppApi, Settings } from '../../src/shared/contract'
import { startWebServer, type WebServer } from '../../src/engine/web/server'
import { launchChromium } from './browser'
import { buildRenderer } from './build-renderer'
import { CODEX_HINT, CODEX_ROOTS, FILE_ERRORS, NOW, aggregate, fixtureBackend } from './fixture-backend'

const FROM_24H = Date.UTC(2026, 2, 4, 16)
const TO_24H = Date.UTC(2026, 2, 5, 16)

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

/** Polls an element's text until it equals `expected` (or 5 s pass); returns the last text. */
async function textOf(testid: string, expected: string): Promise<string> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + 5000
  for (;;) {
    const last = (await loc.count()) > 0 ? ((await loc.textContent()) ?? '') : '<missing>'
    if (last === expected || Date.now() > deadline) return last
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function until(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25))
  return predicate()
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tw-ui-states-'))
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

describe('first run', () => {
  it('shows what discovery found and the progress, keeps polling before the backfill starts, and stays until it has finished', async () => {
    const backend = fixtureBackend({ empty: true })
    const server = await serve(backend)
    await page.goto(server.newLink())
    await page.getByTestId('first-run').waitFor()
    // Counted from the files on disk; the store is empty and says 0 sessions.
    expect(await textOf('first-run-claude-code', 'found Claude Code: 31 sessions in 3 projects')).toBe(
      'found Claude Code: 31 sessions in 3 projects',
    )
    expect((await backend.sourceStatus()).find((s) => s.source === 'claude-code')).toMatchObject({ sessions: 0, projects: 0, events: 0 })
    expect(await textOf('first-run-codex', `not found Codex: nothing at ${CODEX_ROOTS}. ${CODEX_HINT}`)).toBe(
      `not found Codex: nothing at ${CODEX_ROOTS}. ${CODEX_HINT}`,
    )
    // The engine is still setting up its watcher: nothing runs yet, so the bar is indeterminate...
    expect(await textOf('backfill-label', 'Getting ready to read their history…')).toBe('Getting ready to read their history…')
    expect(await page.getByTestId('backfill-progress').getAttribute('value')).toBeNull()

    // ...and the page keeps asking, so it sees the backfill once it starts.
    Object.assign(backend.progress, { running: true, filesDone: 19, filesTotal: 60, bytesDone: 41_000_000, bytesTotal: 96_000_000 })
    expect(await textOf('backfill-label', 'Reading their history: 19 of 60 files · 41 MB of 96 MB')).toBe(
      'Reading their history: 19 of 60 files · 41 MB of 96 MB',
    )
    expect(await page.getByTestId('backfill-progress').getAttribute('max')).toBe('96000000')
    expect(await page.getByTestId('backfill-progress').getAttribute('value')).toBe('41000000')

    // The first batch commits: the store has usage and a change event arrives. The view stays.
    backend.fill()
    const mark = backend.calls.length
    backend.emit({ at: NOW })
    expect(await until(() => backend.calls.slice(mark).some((c) => c.method === 'dimensions'))).toBe(true)
    await new Promise((r) => setTimeout(r, 300))
    expect(await page.getByTestId('first-run').count()).toBe(1)
    expect(await page.getByTestId('kpi-cost').count()).toBe(0)

    // The backfill finishes: now the dashboard, with the backfilled figures.
    Object.assign(backend.progress, { running: false, completedOnce: true, filesDone: 60, bytesDone: 96_000_000 })
    const want = usd.format(aggregate(backend.rows, { tz: 'Europe/Berlin', from: FROM_24H, to: TO_24H, groupBy: [] }).totals.costUsd)
    expect(await textOf('kpi-cost-value', want)).toBe(want)
    expect(await page.getByTestId('first-run').count()).toBe(0)
  })

  it('says so plainly when the backfill is done and nothing was found', async () => {
    const backend = fixtureBackend({ empty: true })
    Object.assign(backend.progress, { completedOnce: true })
    const server = await serve(backend)
    await page.goto(server.newLink())
    expect(
      await textOf(
        'backfill-label',
        'No usage recorded yet. Run an agent, add its log folder in Settings, or push events to the local socket; the dashboard opens as usage arrives.',
      ),
    ).toContain('No usage recorded yet.')
    expect(await page.getByTestId('backfill-progress').count()).toBe(0)
  })
})

describe('errors and themes', () => {
  it('shows a readable error when the API fails, where the failing data would be', async () => {
    const backend = fixtureBackend()
    backend.dimensions = async () => {
      throw new Error('the store file is locked by another program')
    }
    const server = await serve(backend)
    await page.goto(server.newLink())
    const error = page.getByTestId('state-error')
    await error.waitFor()
    expect(await error.getAttribute('role')).toBe('alert')
    expect(await error.textContent()).toBe('Could not reach the usage storethe store file is locked by another program')

    // Only the breakdown's report failing: the breakdown says so, the KPIs and chart still show.
    const partial = fixtureBackend()
    const report = partial.report
    partial.report = async (q) => {
      if (q.groupBy.length === 1 && q.groupBy[0] === 'model') throw new Error('report timed out')
      return report(q)
    }
    const other = await serve(partial)
    await page.goto(other.newLink())
    expect(await textOf('kpi-cost-value', '$15.56')).toBe('$15.56')
    expect(await textOf('state-error', 'Could not load the breakdownreport timed out')).toBe('Could not load the breakdownreport timed out')
    expect(await page.getByTestId('chart').getAttribute('data-buckets')).toBe('24')
  })

  it('follows the OS dark scheme: the page and the cards take the dark palette', async () => {
    const server = await serve(fixtureBackend())
    await page.goto(server.newLink())
    await page.getByTestId('kpi-cost').waitFor()
    const colours = () =>
      page.evaluate(() => {
        const card = document.querySelector('.card') as HTMLElement
        return {
          body: getComputedStyle(document.documentElement).backgroundColor,
          card: getComputedStyle(card).backgroundColor,
          text: getComputedStyle(card).color,
        }
      })
    expect(await colours()).toEqual({ body: 'rgb(245, 246, 248)', card: 'rgb(255, 255, 255)', text: 'rgb(31, 35, 40)' })
    await page.emulateMedia({ colorScheme: 'dark' })
    try {
      expect(await until(async () => (await colours()).body === 'rgb(15, 18, 22)')).toBe(true)
      expect(await colours()).toEqual({ body: 'rgb(15, 18, 22)', card: 'rgb(23, 27, 33)', text: 'rgb(230, 232, 235)' })
    } finally {
      await page.emulateMedia({ colorScheme: 'light' })
    }
  })
})

describe('sources panel', () => {
  it('names the files the last scan could not read, with their count by kind', async () => {
    const server = await serve(fixtureBackend())
    await page.goto(server.newLink())
    await page.getByTestId('tab-sources').click()
    const card = page.getByTestId('source-claude-code')
    await card.waitFor()
    expect(await card.locator('dl > div', { hasText: 'Unreadable files' }).locator('dd').textContent()).toBe('2')
    const details = page.getByTestId('file-errors-claude-code')
    expect(await details.locator('summary').textContent()).toBe('Files that could not be read: 1 unreadable, 1 broken links')
    await details.locator('summary').click()
    expect(await details.locator('li').allTextContents()).toEqual([`${FILE_ERRORS.first[0]?.path} EACCES: permission denied`, 'and 1 more'])
    // A source the scan read whole shows no such line.
    expect(await page.getByTestId('file-errors-codex').count()).toBe(0)
  })

  it('lists a source not found with the env vars to set, and switches a source off and on', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.newLink())
    await page.getByTestId('tab-sources').click()
    const card = page.getByTestId('source-gemini-cli')
    await card.waitFor()
    expect(await card.locator('.badge').textContent()).toBe('not found')
    expect(await page.getByTestId('source-env-gemini-cli').textContent()).toBe(
      'Set GEMINI_CLI_HOME or GEMINI_DATA_DIR, or add a folder in Settings.',
    )
    await page.getByTestId('source-switch-gemini-cli').click()
    expect(await until(async () => (await card.locator('.badge').textContent()) === 'switched off')).toBe(true)
    expect((await backend.getSettings()).disabledSources).toEqual(['gemini-cli'])
    await page.getByTestId('source-switch-gemini-cli').click()
    expect(await until(async () => (await card.locator('.badge').textContent()) === 'not found')).toBe(true)
    expect((await backend.getSettings()).disabledSources).toEqual([])
    // Pushed sources have no switch: they are on while their listener runs.
    expect(await page.getByTestId('source-switch-socket').count()).toBe(0)
  })
})

describe('budget and settings', () => {
  it('says "over" once today\'s spend reaches the budget, as the tray turns red', async () => {
    const backend = fixtureBackend()
    const today = await backend.todaySpend({ tz: 'Europe/Berlin' })
    await backend.setSettings({ dailyBudgetUsd: today.costUsd })
    const server = await serve(backend)
    await page.goto(server.newLink())
    expect(await textOf('today-budget', `over ${usd.format(today.costUsd)}`)).toBe(`over ${usd.format(today.costUsd)}`)
    expect(await page.getByTestId('today-spend').getAttribute('data-budget')).toBe('over')
    expect(await page.getByTestId('today-spend').getAttribute('class')).toBe('today over')
  })

  it('saves only what the user changed, after showing a pause made from the tray meanwhile', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.newLink())
    await page.getByTestId('tab-settings').click()
    await page.getByTestId('settings').waitFor()
    await page.getByTestId('settings-budget').fill('30')
    expect(await page.getByTestId('settings-paused').isChecked()).toBe(false)

    // The tray pauses watching (in the desktop app main sends a change event with no hours).
    await backend.setSettings({ paused: true })
    backend.emit({ at: NOW })
    expect(await until(() => page.getByTestId('settings-paused').isChecked())).toBe(true)
    expect(await page.getByTestId('settings-budget').inputValue()).toBe('30')

    const mark = backend.calls.length
    await page.getByTestId('settings-save').click()
    expect(await textOf('settings-status', 'Saved.')).toBe('Saved.')
    expect(
      backend.calls
        .slice(mark)
        .filter((c) => c.method === 'setSettings')
        .map((c) => c.arg),
    ).toEqual([{ dailyBudgetUsd: 30 }])
    expect(await backend.getSettings()).toMatchObject<Partial<Settings>>({ paused: true, dailyBudgetUsd: 30, launchAtLogin: false })

    // Saving again with nothing edited sends nothing.
    const again = backend.calls.length
    await page.getByTestId('settings-save').click()
    expect(await textOf('settings-status', 'Nothing to save: no setting changed.')).toBe('Nothing to save: no setting changed.')
    expect(backend.calls.slice(again).some((c) => c.method === 'setSettings')).toBe(false)
  })

  it('headless: adds a typed log folder and removes one by its index', async () => {
    const backend = fixtureBackend()
    const server = await serve(backend)
    await page.goto(server.newLink())
    await page.getByTestId('tab-settings').click()
    await page.getByTestId('folders-codex-input').fill('/srv/codex-a')
    await page.getByTestId('folders-codex-input').press('Enter')
    expect(await textOf('folders-codex-status', 'Watching /srv/codex-a.')).toBe('Watching /srv/codex-a.')
    await page.getByTestId('folders-codex-input').fill('/srv/codex-b')
    await page.getByTestId('folders-codex-add').click()
    expect(await textOf('folders-codex-status', 'Watching /srv/codex-b.')).toBe('Watching /srv/codex-b.')
    expect((await backend.getSettings()).logFolders.codex).toEqual(['/srv/codex-a', '/srv/codex-b'])
    // Enter in the folder box added the folder; it did not submit the settings form.
    expect(backend.calls.filter((c) => c.method === 'setSettings').map((c) => c.arg)).toEqual([
      { logFolders: { codex: ['/srv/codex-a'] } },
      { logFolders: { codex: ['/srv/codex-a', '/srv/codex-b'] } },
    ])

    await page.getByTestId('folders-codex').getByRole('button', { name: 'Stop watching /srv/codex-a' }).click()
    expect(await textOf('folders-codex-status', 'Stopped watching /srv/codex-a.')).toBe('Stopped watching /srv/codex-a.')
    expect(backend.calls.filter((c) => c.method === 'removeLogFolder').map((c) => c.arg)).toEqual([{ kind: 'codex', index: 0 }])
    expect(await page.getByTestId('folders-codex').getByTestId('folder-entry').allTextContents()).toEqual(['/srv/codex-bRemove'])
  })
})
