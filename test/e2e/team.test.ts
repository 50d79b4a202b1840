/**
 * End to end, the dashboard over several machines in real Chromium: `serve --team` against a real
 * PostgreSQL (its label, the machine picker and breakdown, live updates when another machine
 * syncs), and a machine's own `serve` with a team database and a "my machines" folder set (the
 * switch between this machine, my machines and the team; each view reads its own source).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyBatch } from '../../src/engine/ingest/apply-batch'
import { setMachineName } from '../../src/engine/store/changes'
import { openStore, type Store } from '../../src/engine/store/open-store'
import { writeMachineFile } from '../../src/engine/sync/folder-sink'
import { syncToPostgres } from '../../src/engine/sync/pg-sink'
import { startPostgres, type TestPostgres } from '../helpers/postgres'
import { event } from '../engine/ingest/support'
import { launchPage } from '../renderer/browser'
import { cliEnv, requireBuild, startServe, type Served } from '../cli/run-cli'
import { REPO } from './serve'

const Q = 15 * 60_000
let pgs: TestPostgres
let root: string
let ctx: BrowserContext | undefined
let page: Page

beforeAll(async () => {
  requireBuild()
  pgs = await startPostgres()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-team-'))
  const launched = await launchPage(root, 'UTC')
  ctx = launched.ctx
  page = launched.page
}, 180_000)

afterAll(async () => {
  await ctx?.close()
  await pgs?.destroy()
  rmSync(root, { recursive: true, force: true })
})

/** A machine's store with `n` requests in the last hours (inside the dashboard's default 24 h). */
function machineStore(path: string, name: string, prefix: string, n: number): Store {
  mkdirSync(join(path, '..'), { recursive: true })
  const store = openStore(path)
  setMachineName(store, name)
  addWork(store, prefix, n)
  return store
}

function addWork(store: Store, prefix: string, n: number): void {
  const start = Math.floor((Date.now() - 4 * 3_600_000) / Q) * Q
  applyBatch(
    store,
    [
      {
        events: Array.from({ length: n }, (_, i) =>
          event(`${prefix}-${i}`, start + (i % 12) * Q, { userId: 'ana', input: 100, output: 10 }),
        ),
      },
    ],
    () => 1_000_000,
  )
}

/** The breakdown by machine as [machine, requests] pairs, once it equals `want` (10 s at most). */
async function breakdownIs(want: [string, string][]): Promise<[string, string][]> {
  const end = Date.now() + 10_000
  let got: [string, string][] = []
  for (;;) {
    got = await page
      .getByTestId('breakdown-row')
      .evaluateAll((rows) =>
        rows.map((r) => [r.querySelector('th')?.textContent ?? '', r.querySelector('td')?.textContent ?? ''] as [string, string]),
      )
    if (JSON.stringify([...got].sort()) === JSON.stringify([...want].sort()) || Date.now() > end) return [...got].sort()
    await new Promise((r) => setTimeout(r, 100))
  }
}

async function textIs(testid: string, want: string | RegExp): Promise<string> {
  const end = Date.now() + 10_000
  let got = ''
  for (;;) {
    const loc = page.getByTestId(testid)
    got = (await loc.count()) > 0 ? ((await loc.first().textContent()) ?? '') : '<missing>'
    if ((typeof want === 'string' ? got === want : want.test(got)) || Date.now() > end) return got
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('the dashboard over several machines', () => {
  it('serve --team: says it shows the team (server), offers the machine picker and breakdown, and updates live when another machine syncs', async () => {
    await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
    const north = machineStore(join(root, 'north', 'tw.db'), 'north', 'n', 12)
    const south = machineStore(join(root, 'south', 'tw.db'), 'south', 's', 5)
    let served: Served | undefined
    try {
      for (const s of [north, south]) await syncToPostgres(s, pgs.url, { projects: 'basename' })
      served = await startServe(['--team', pgs.url, '--port', '0'], cliEnv(join(root, 'viewer'), { TOKENWATCH_TEAM_URL: '' }))
      await page.goto(served.url)
      expect(await textIs('data-source', /^Team \(/)).toBe(`Team (${pgs.url})`)
      expect(await page.getByTestId('data-scope').count()).toBe(0)
      expect(await textIs('kpi-requests-value', '17')).toBe('17')
      await page.getByTestId('breakdown-dim-machine').click()
      expect(
        await breakdownIs([
          ['north', '12'],
          ['south', '5'],
        ]),
      ).toEqual([
        ['north', '12'],
        ['south', '5'],
      ])
      // The machine picker narrows everything to one machine.
      await page.getByTestId('filter-machine-button').click()
      await page.locator('.multi-panel label', { hasText: 'south' }).click()
      await page.keyboard.press('Escape')
      expect(await textIs('kpi-requests-value', '5')).toBe('5')
      expect(await breakdownIs([['south', '5']])).toEqual([['south', '5']])
      await page.getByTestId('filters-clear').click()
      expect(await textIs('kpi-requests-value', '17')).toBe('17')
      // Another machine syncs: the open page follows without a reload.
      addWork(south, 's2', 4)
      await syncToPostgres(south, pgs.url, { projects: 'basename' })
      expect(await textIs('kpi-requests-value', '21')).toBe('21')
      expect(
        await breakdownIs([
          ['north', '12'],
          ['south', '9'],
        ]),
      ).toEqual([
        ['north', '12'],
        ['south', '9'],
      ])
      // Sessions stay on each machine: said plainly.
      await page.getByTestId('tab-sessions').click()
      expect(await page.getByText('Sessions stay on each machine').count()).toBe(1)
    } finally {
      expect(await served?.stop()).toBe(0)
      north.close()
      south.close()
    }
  }, 90_000)

  it("a machine's own dashboard with a team database and a my-machines folder: a switch between this machine, my machines and the team, each read from its own source, each live", async () => {
    await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
    const folder = join(root, 'Sync')
    mkdirSync(folder)
    const env = cliEnv(join(root, 'laptop'), { TOKENWATCH_TEAM_URL: '' })
    const home = env.TOKENWATCH_HOME as string
    machineStore(join(home, 'tokenwatch.db'), 'laptop', 'l', 4).close()
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ teamUrl: pgs.url, machinesFolder: folder }))
    const desktop = machineStore(join(root, 'desktop', 'tw.db'), 'desktop', 'd', 9)
    await syncToPostgres(desktop, pgs.url, { projects: 'basename' })
    writeMachineFile(desktop, folder, 'basename')
    let served: Served | undefined
    try {
      served = await startServe(['--port', '0', '--no-socket'], env)
      await page.goto(served.url)
      expect(await textIs('data-source', /^This machine/)).toBe('This machine (laptop)')
      expect(await page.getByTestId('data-scope').locator('button').allTextContents()).toEqual(['This machine', 'My machines', 'Team'])
      expect(await textIs('kpi-requests-value', '4')).toBe('4')
      // One machine: no machine picker, no machine breakdown.
      expect(await page.getByTestId('filter-machine').count()).toBe(0)
      expect(await page.getByTestId('breakdown-dim-machine').count()).toBe(0)

      // The team: this machine synced itself when serve started; the desktop synced before.
      await page.getByTestId('data-scope-team').click()
      expect(await textIs('data-source', /^Team/)).toBe(`Team (${pgs.url})`)
      // The address says so: a reload (or a shared link) opens the team again.
      expect(new URL(page.url()).searchParams.get('data')).toBe('team')
      await page.reload()
      expect(await textIs('data-source', /^Team/)).toBe(`Team (${pgs.url})`)
      await page.getByTestId('breakdown-dim-machine').click()
      expect(
        await breakdownIs([
          ['desktop', '9'],
          ['laptop', '4'],
        ]),
      ).toEqual([
        ['desktop', '9'],
        ['laptop', '4'],
      ])
      expect(await textIs('kpi-requests-value', '13')).toBe('13')
      expect(await page.getByTestId('filter-machine').count()).toBe(1)
      addWork(desktop, 'd2', 3)
      await syncToPostgres(desktop, pgs.url, { projects: 'basename' })
      expect(
        await breakdownIs([
          ['desktop', '12'],
          ['laptop', '4'],
        ]),
      ).toEqual([
        ['desktop', '12'],
        ['laptop', '4'],
      ])
      const shots = process.env.SCREENSHOTS === '1' ? join(REPO, 'docs', 'screenshots') : join(REPO, 'test-results', 'e2e')
      mkdirSync(shots, { recursive: true })
      await page.screenshot({ path: join(shots, 'team.png'), fullPage: true })

      // My machines: this machine from its store, the desktop from its file (the older state until it writes again).
      await page.getByTestId('data-scope-machines').click()
      expect(await textIs('data-source', /^My machines/)).toBe(`My machines (${folder})`)
      await page.getByTestId('breakdown-dim-machine').click()
      expect(
        await breakdownIs([
          ['desktop', '9'],
          ['laptop', '4'],
        ]),
      ).toEqual([
        ['desktop', '9'],
        ['laptop', '4'],
      ])
      writeMachineFile(desktop, folder, 'basename')
      expect(
        await breakdownIs([
          ['desktop', '12'],
          ['laptop', '4'],
        ]),
      ).toEqual([
        ['desktop', '12'],
        ['laptop', '4'],
      ])
      await page.getByTestId('tab-sessions').click()
      expect(await page.getByText('Switch to This machine to see its sessions.', { exact: false }).count()).toBe(1)

      // Back to this machine: its own store, its sessions.
      await page.getByTestId('data-scope-local').click()
      expect(await textIs('data-source', /^This machine/)).toBe('This machine (laptop)')
      expect(new URL(page.url()).searchParams.has('data')).toBe(false)
      expect(await page.getByText('Sessions stay on each machine').count()).toBe(0)
      await page.getByTestId('tab-dashboard').click()
      expect(await textIs('kpi-requests-value', '4')).toBe('4')

      // Renamed in Settings: the label says so at once, and the team shows the new name after the sync it starts.
      await page.getByTestId('tab-settings').click()
      const name = page.getByTestId('settings-machine-name')
      await name.waitFor()
      expect(await name.inputValue()).toBe('laptop')
      await name.fill('ana-laptop')
      await page.getByTestId('settings-machine-rename').click()
      expect(await textIs('settings-machine-status', 'This machine is now "ana-laptop".')).toBe('This machine is now "ana-laptop".')
      await page.getByTestId('tab-dashboard').click()
      expect(await textIs('data-source', 'This machine (ana-laptop)')).toBe('This machine (ana-laptop)')
      await page.getByTestId('data-scope-team').click()
      await page.getByTestId('breakdown-dim-machine').click()
      expect(
        await breakdownIs([
          ['ana-laptop', '4'],
          ['desktop', '12'],
        ]),
      ).toEqual([
        ['ana-laptop', '4'],
        ['desktop', '12'],
      ])
    } finally {
      expect(await served?.stop()).toBe(0)
      desktop.close()
    }
  }, 90_000)

  it('over the team and my machines: the Sessions tile and the time/sessions metrics say they stay on each machine (no "—", no error), and the header\'s Today follows the view and says whose it is', async () => {
    await pgs.query('DROP SCHEMA IF EXISTS tokenwatch CASCADE')
    const folder = join(root, 'Sync2')
    mkdirSync(folder)
    const env = cliEnv(join(root, 'laptop2'), { TOKENWATCH_TEAM_URL: '' })
    const home = env.TOKENWATCH_HOME as string
    // Today's work only (since UTC midnight, the page's zone), $1 a request on the desktop.
    const todayWork = (store: Store, prefix: string, n: number): void => {
      const now = Date.now()
      const start = Math.max(now - 10 * 60_000, Math.floor(now / 86_400_000) * 86_400_000)
      applyBatch(
        store,
        [
          {
            events: Array.from({ length: n }, (_, i) =>
              event(`${prefix}-${i}`, start + Math.floor(((now - start) * i) / n), { userId: 'ana' }),
            ),
          },
        ],
        () => 1_000_000_000,
      )
    }
    mkdirSync(home, { recursive: true })
    const laptop = openStore(join(home, 'tokenwatch.db'))
    setMachineName(laptop, 'laptop')
    todayWork(laptop, 'l', 2)
    laptop.close()
    writeFileSync(join(home, 'settings.json'), JSON.stringify({ teamUrl: pgs.url, machinesFolder: folder }))
    mkdirSync(join(root, 'desktop2'))
    const desktop = openStore(join(root, 'desktop2', 'tw.db'))
    setMachineName(desktop, 'desktop')
    todayWork(desktop, 'd', 9)
    await syncToPostgres(desktop, pgs.url, { projects: 'basename' })
    writeMachineFile(desktop, folder, 'basename')
    let served: Served | undefined
    try {
      served = await startServe(['--port', '0', '--no-socket'], env)
      await page.goto(served.url)
      expect(await textIs('data-source', /^This machine/)).toBe('This machine (laptop)')
      await page.getByTestId('range-today').click()
      expect(await textIs('kpi-requests-value', '2')).toBe('2')
      const localCost = await textIs('kpi-cost-value', /\$|unpriced/)
      // This machine: the header's Today is the Today tile, labelled plainly.
      expect(await textIs('today-spend-value', localCost)).toBe(localCost)
      expect(await textIs('today-label', /^Today, /)).toMatch(/^Today, /)
      expect(await textIs('kpi-sessions-value', '1')).toBe('1')

      for (const [scope, label] of [
        ['team', 'Team'],
        ['machines', 'My machines'],
      ] as const) {
        await page.getByTestId(`data-scope-${scope}`).click()
        expect(await textIs('data-source', new RegExp(`^${label} \\(`))).toMatch(new RegExp(`^${label} \\(`))
        expect(await textIs('kpi-requests-value', '11')).toBe('11')
        const cost = await textIs('kpi-cost-value', /^\$9\./)
        expect(cost).toMatch(/^\$9\./)
        // The header follows the view: the same figure as the Today tile, and it says whose it is.
        expect(await textIs('today-spend-value', cost)).toBe(cost)
        expect(await textIs('today-label', new RegExp(`^${label} today, `))).toMatch(new RegExp(`^${label} today, `))
        // Sessions are not synced: the tile says so instead of "—".
        expect(await textIs('kpi-sessions-value', 'per machine')).toBe('per machine')
        expect(await textIs('kpi-sessions-change', /stay on each machine/)).toMatch(/stay on each machine/)
        // Time and sessions cannot be charted from quarter-hour totals: offered disabled, with the reason.
        for (const m of ['time', 'sessions']) {
          const b = page.getByTestId(`metric-${m}`)
          expect(await b.isDisabled()).toBe(true)
          expect(await b.getAttribute('title')).toMatch(/stay on each machine/)
        }
        expect(await page.getByText('Could not load the chart').count()).toBe(0)
      }
      // A link asking for sessions over the team (a bookmark from this machine's view) charts tokens, without an error.
      const u = new URL(page.url())
      u.searchParams.set('data', 'team')
      u.searchParams.set('metric', 'sessions')
      await page.goto(u.toString())
      expect(await textIs('data-source', /^Team \(/)).toMatch(/^Team \(/)
      expect(await textIs('chart-title', /^Tokens per /)).toMatch(/^Tokens per /)
      expect(await textIs('kpi-sessions-value', 'per machine')).toBe('per machine')
      expect(await page.getByText('Could not load the chart').count()).toBe(0)
      // The chart draws once the team's report is in: wait for its total, not the first frame.
      await expect.poll(() => page.getByTestId('chart').getAttribute('data-total'), { timeout: 15_000 }).toBe(String(11 * (10 + 5 + 100)))
      // Back on this machine the same link charts its sessions.
      await page.getByTestId('data-scope-local').click()
      expect(await textIs('chart-title', /^Sessions per /)).toMatch(/^Sessions per /)
      expect(await textIs('today-label', /^Today, /)).toMatch(/^Today, /)
      // Spend, Sources and Settings are this machine's: so is the header there, whatever the data switch says.
      await page.getByTestId('data-scope-team').click()
      expect(await textIs('today-label', /^Team today, /)).toMatch(/^Team today, /)
      await page.getByTestId('tab-spend').click()
      expect(await textIs('today-label', /^Today, /)).toMatch(/^Today, /)
      expect(await textIs('today-spend-value', localCost)).toBe(localCost)
    } finally {
      expect(await served?.stop()).toBe(0)
      desktop.close()
    }
  }, 90_000)
})
