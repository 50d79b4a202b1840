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
})
