import { describe, expect, it } from 'vitest'
import { createBudgetWatch, type BudgetNotice } from '../../src/main/budget'
import { STATE_COLORS } from '../../src/main/tray-icon'
import { setupTray, type TrayActions } from '../../src/main/tray'
import type { Engine } from '../../src/engine/live/engine'
import { createEngineApi } from '../../src/engine/api'
import { claimAlerts } from '../../src/engine/budgets/alerts'
import { fakeElectron, type FakeImage, type FakeTray } from './fake-electron'
import { makeEngine, pixel, readBadge, readPng, usage, waitFor } from './helpers'

// 2026-03-10 15:00 UTC; the usage below happens an hour earlier.
const NOW = Date.UTC(2026, 2, 10, 15, 0)
const noop: TrayActions = { openDashboard() {}, togglePause() {}, exportCsv() {}, quit() {} }

/** A tray over the engine's contract, as the app wires it, after its first refresh. */
async function start(engine: Engine, platform: NodeJS.Platform, opts: { now?: () => number; actions?: TrayActions } = {}) {
  const fake = fakeElectron()
  const alerts: BudgetNotice[] = []
  const handle = setupTray({
    electron: fake.electron,
    api: createEngineApi(engine),
    platform,
    templateIconPath: '/icons/trayTemplate.png',
    budget: createBudgetWatch(
      (s, now) => claimAlerts(engine.store, s, now),
      (a) => alerts.push(a),
    ),
    actions: opts.actions ?? noop,
    throttleMs: 50,
    now: opts.now ?? (() => NOW),
  })
  await handle.refresh()
  return { fake, tray: fake.tray(), handle, alerts }
}

/** The badge amounts of a Windows/Linux tray image at 1x and 2x. */
function iconText(tray: FakeTray): string[] {
  return (tray.image as FakeImage).reps.map((r) => readBadge(readPng(r.buffer as Buffer)))
}

function iconColor(tray: FakeTray): number[] {
  return pixel(readPng((tray.image as FakeImage).reps[1]?.buffer as Buffer), 16, 2)
}

describe('tray on macOS', () => {
  it("shows today's amount as the title beside a template icon, and follows change events within a second", async () => {
    const engine = await makeEngine()
    const { tray, handle, fake } = await start(engine, 'darwin')
    expect(fake.images[0]).toMatchObject({ path: '/icons/trayTemplate.png', template: true })
    expect(tray.image).toBe(fake.images[0])
    expect(tray.title).toBe('$0.00')
    expect(tray.titleOptions).toEqual({ fontType: 'monospacedDigit' })
    expect(tray.tooltip).toBe('Token Watch\nToday $0.00 · 0 tokens')
    expect(tray.menu?.labels()).toEqual([
      'Today: $0.00',
      '0 tokens · 0 requests',
      '---',
      'No usage yet today',
      '---',
      'Open dashboard',
      'Pause watching',
      'Export CSV...',
      '---',
      'Quit Token Watch',
    ])
    const before = Date.now()
    await engine.writer.submit([usage('a', NOW - 3_600_000)])
    await waitFor(() => (tray.title === '$0.60' ? true : undefined), 1000, 'title $0.60')
    expect(Date.now() - before).toBeLessThan(1000)
    expect(tray.tooltip).toBe('Token Watch\nToday $0.60 · 120k tokens')
    expect(tray.menu?.labels()).toEqual([
      'Today: $0.60',
      '120k tokens · 1 request',
      '---',
      'Top models today',
      'claude-sonnet-4-5  $0.60 · 120k',
      '---',
      'Open dashboard',
      'Pause watching',
      'Export CSV...',
      '---',
      'Quit Token Watch',
    ])
    handle.dispose()
    expect(tray.destroyed).toBe(true)
  })

  it('colours a status light beside the title once a budget is set', async () => {
    const engine = await makeEngine()
    await engine.updateSettings({ dailyBudgetUsd: 1 })
    const { tray } = await start(engine, 'darwin')
    expect(readBadge(readPng((tray.image as FakeImage).reps[1]?.buffer as Buffer))).toBe('')
    expect(iconColor(tray)).toEqual([...STATE_COLORS.under])
  })
})

describe('tray on Linux and Windows', () => {
  it('draws the exact amount into the icon and repeats it in the tooltip; no title', async () => {
    const engine = await makeEngine()
    const { tray } = await start(engine, 'linux')
    expect(iconText(tray)).toEqual(['$0', '$0.00'])
    await engine.writer.submit([usage('a', NOW - 3_600_000), usage('b', NOW - 1_800_000, { model: 'mystery-model' })])
    await waitFor(() => (iconText(tray)[1] === '$0.60' ? true : undefined), 1000, 'icon $0.60')
    expect(iconText(tray)).toEqual(['$.60', '$0.60'])
    expect(tray.title).toBeUndefined()
    expect(tray.tooltip).toBe('Token Watch\nToday $0.60 · 240k tokens\n120k tokens unpriced')
    expect(tray.menu?.labels().slice(0, 6)).toEqual([
      'Today: $0.60',
      '240k tokens · 2 requests',
      '120k tokens unpriced',
      '---',
      'Top models today',
      'claude-sonnet-4-5  $0.60 · 120k',
    ])
  })

  it("counts the day in the viewer's time zone from settings", async () => {
    const engine = await makeEngine()
    await engine.updateSettings({ timeZone: 'Asia/Kolkata' })
    // 20:00 UTC is 01:30 on the 11th in Kolkata: the day began at 18:30 UTC.
    const now = Date.UTC(2026, 2, 10, 20, 0)
    await engine.writer.submit([
      usage('before', Date.UTC(2026, 2, 10, 18, 0)),
      usage('after', Date.UTC(2026, 2, 10, 19, 0), { input: 200_000 }),
    ])
    const { tray, handle } = await start(engine, 'win32', { now: () => now })
    expect(iconText(tray)).toEqual(['$.90', '$0.90'])
    expect((await handle.refresh()).menu[0]?.label).toBe('Today: $0.90')
  })

  it('colours the badge under, near and over the budget and notifies once on crossing', async () => {
    const engine = await makeEngine()
    await engine.updateSettings({ dailyBudgetUsd: 1 })
    const { tray, alerts } = await start(engine, 'linux')
    const step = async (key: string, input: number, expectText: string) => {
      await engine.writer.submit([usage(key, NOW - 60_000, { input, output: 0 })])
      await waitFor(() => (iconText(tray)[1] === expectText ? true : undefined), 2000, expectText)
    }
    await step('a', 200_000, '$0.60') // $0.60 of $1.00
    expect(iconColor(tray)).toEqual([...STATE_COLORS.under])
    expect(tray.tooltip).toBe('Token Watch\nToday $0.60 · 200k tokens\nBudget: 60% of $1.00')
    await step('b', 80_000, '$0.84')
    expect(iconColor(tray)).toEqual([...STATE_COLORS.near])
    expect(alerts).toEqual([{ title: 'Daily budget: 80% used', body: "Today's AI spend is $0.84 of your daily budget of $1.00." }])
    await step('c', 100_000, '$1.14')
    expect(iconColor(tray)).toEqual([...STATE_COLORS.over])
    await step('d', 100_000, '$1.44')
    expect(alerts.slice(1)).toEqual([
      { title: 'Daily budget reached', body: "Today's AI spend is $1.14, over your daily budget of $1.00." },
    ])
  })

  it('rolls over to the new day at local midnight', async () => {
    const engine = await makeEngine()
    let clock = Date.UTC(2026, 2, 10, 23, 59, 59, 600)
    await engine.writer.submit([usage('late', Date.UTC(2026, 2, 10, 23, 0))])
    const { tray } = await start(engine, 'linux', { now: () => clock })
    expect(iconText(tray)).toEqual(['$.60', '$0.60'])
    clock = Date.UTC(2026, 2, 11, 0, 0, 0, 100)
    // The midnight timer fires ~500 ms after start (400 ms to midnight + 100 ms slack).
    await waitFor(() => (iconText(tray)[1] === '$0.00' ? true : undefined), 1500, 'midnight rollover')
    expect(tray.tooltip).toBe('Token Watch\nToday $0.00 · 0 tokens')
  })

  it('runs the menu actions and opens the dashboard on a Windows click', async () => {
    const engine = await makeEngine()
    const calls: string[] = []
    const actions: TrayActions = {
      openDashboard: () => calls.push('open'),
      togglePause: () => calls.push('pause'),
      exportCsv: () => calls.push('export'),
      quit: () => calls.push('quit'),
    }
    const { tray } = await start(engine, 'win32', { actions })
    for (const label of ['Open dashboard', 'Pause watching', 'Export CSV...', 'Quit Token Watch']) tray.menu?.item(label).click?.()
    tray.events.emit('click')
    expect(calls).toEqual(['open', 'pause', 'export', 'quit', 'open'])
  })
})
