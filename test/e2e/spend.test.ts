/**
 * End to end, the Spend view against the real `tokenwatch serve`: budgets from settings.json as
 * progress bars with the figures `tokenwatch budgets --json` prints, Claude Code's active block
 * from a transcript written minutes ago (as `tokenwatch blocks --json` has it), the Codex plan
 * limits from a rollout's rate_limits and Claude Code's from what the built `tokenwatch
 * statusline` recorded, each with its age.
 */
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchPage } from '../renderer/browser'
import { fixtureEnv, REPO, requireBuild, startServe, teardown, tokenwatch, type Serve } from './serve'

const TZ = 'UTC'
const WAIT_MS = 10_000
const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })

let root: string
let env: NodeJS.ProcessEnv
let serve: Serve | undefined
let ctx: BrowserContext | undefined
let page: Page
const now = Date.now()

async function textOf(testid: string, expected: string, timeoutMs = WAIT_MS): Promise<string> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const last = (await loc.count()) > 0 ? ((await loc.textContent()) ?? '') : '<missing>'
    if (last === expected || Date.now() > deadline) return last
    await new Promise((r) => setTimeout(r, 50))
  }
}

const claudeLine = (id: string, ts: number, costUSD: number) =>
  JSON.stringify({
    timestamp: new Date(ts).toISOString(),
    sessionId: 'live',
    type: 'assistant',
    requestId: `req-${id}`,
    costUSD,
    version: '2.0.0',
    message: {
      role: 'assistant',
      id: `msg-${id}`,
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: 1000, output_tokens: 200, cache_creation_input_tokens: 0, cache_read_input_tokens: 5000 },
    },
  })

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-spend-'))
  env = fixtureEnv(join(root, 'data'), TZ)
  const data = join(root, 'data')
  mkdirSync(join(data, 'claude/projects/live'), { recursive: true })
  // Two Claude Code requests, 20 and 10 minutes ago, $0.40 each by Claude Code's own figure.
  writeFileSync(
    join(data, 'claude/projects/live/live.jsonl'),
    `${claudeLine('a', now - 20 * 60_000, 0.4)}\n${claudeLine('b', now - 10 * 60_000, 0.4)}\n`,
  )
  // Another session 30 hours ago: two requests two minutes apart (two minutes of active time), free.
  const old = now - 30 * 3_600_000
  writeFileSync(
    join(data, 'claude/projects/live/old.jsonl'),
    [claudeLine('o1', old, 0), claudeLine('o2', old + 2 * 60_000, 0)]
      .map((l) => l.replace('"sessionId":"live"', '"sessionId":"old"'))
      .join('\n') + '\n',
  )
  const day = join(data, 'codex/sessions/2026/12/03')
  mkdirSync(day, { recursive: true })
  writeFileSync(
    join(day, 'rollout-live.jsonl'),
    JSON.stringify({
      timestamp: new Date(now - 5 * 60_000).toISOString(),
      type: 'event_msg',
      payload: {
        type: 'token_count',
        info: null,
        rate_limits: {
          primary: { used_percent: 42, window_minutes: 300, resets_at: Math.round((now + 2 * 3_600_000) / 1000) },
          secondary: null,
          plan_type: 'plus',
        },
      },
    }) + '\n',
  )
  mkdirSync(env.TOKENWATCH_HOME ?? '', { recursive: true })
  writeFileSync(
    join(env.TOKENWATCH_HOME ?? '', 'settings.json'),
    JSON.stringify({
      dailyBudgetUsd: 1,
      budgets: [{ id: 'claude-week', name: 'Claude weekly', amountUsd: 100, period: 'week', scope: { sources: ['claude-code'] } }],
    }),
  )
  serve = await startServe(['--port', '0', '--no-socket'], env)
  const launched = await launchPage(root, TZ)
  ctx = launched.ctx
  page = launched.page
})

afterAll(() => teardown(ctx, serve, root))

describe('the Spend view over the real tokenwatch serve', () => {
  it('shows every budget with the figures tokenwatch budgets prints', async () => {
    const cli = JSON.parse(await tokenwatch(['budgets', '--json', '--tz', TZ], env)) as {
      budgets: {
        budget: { id: string }
        spentUsd: number
        leftUsd: number
        level: string
        forecast: { endUsd: number; lowUsd: number; highUsd: number; method: string }
      }[]
    }
    const daily = cli.budgets.find((b) => b.budget.id === 'daily')
    // Today: the two live requests (the fixtures are from other days).
    expect(daily?.spentUsd).toBeCloseTo(0.8, 9)
    expect(daily?.level).toBe('near')
    await page.goto(await (serve?.link() ?? Promise.resolve('')))
    await page.getByTestId('tab-spend').click()
    for (const b of cli.budgets) {
      const f = b.forecast
      const want =
        `${usd.format(b.spentUsd)} of ${usd.format(b.budget.id === 'daily' ? 1 : 100)} · ${usd.format(b.leftUsd)} left` +
        (f.method === 'none' ? '' : ` · forecast ${usd.format(f.endUsd)} (${usd.format(f.lowUsd)}–${usd.format(f.highUsd)})`)
      expect(await textOf(`budget-${b.budget.id}-figures`, want)).toBe(want)
      expect(await page.getByTestId(`budget-${b.budget.id}`).getAttribute('data-level')).toBe(b.level)
    }
    expect(await textOf('budget-daily-share', '80%')).toBe('80%')
    // All usage today is the daily budget's scope: the same spend and forecast.
    const f = daily?.forecast
    const today = `All usage today: ${usd.format(daily?.spentUsd ?? NaN)}${f?.method === 'none' ? '' : `, forecast ${usd.format(f?.endUsd ?? NaN)} (${usd.format(f?.lowUsd ?? NaN)}–${usd.format(f?.highUsd ?? NaN)})`}`
    expect(await textOf('outlook-day', today)).toBe(today)
  })

  it("lists Claude Code's blocks with the active one's burn rate, as tokenwatch blocks has them", async () => {
    const cli = JSON.parse(await tokenwatch(['blocks', '--active', '--json'], env)) as {
      blocks: { requests: number; costUsd: number; burnRate: { costPerHour: number }; projection: { totalCostUsd: number } }[]
    }
    expect(cli.blocks).toHaveLength(1)
    expect(cli.blocks[0]?.requests).toBe(2)
    // $0.80 over the 10 minutes between the first and last request: $4.80 an hour.
    expect(cli.blocks[0]?.burnRate.costPerHour).toBeCloseTo(4.8, 9)
    const active = page.locator('[data-testid="block-row"][data-active="true"]')
    await active.waitFor({ timeout: WAIT_MS })
    const burn = (await page.getByTestId('block-burn').textContent()) ?? ''
    expect(burn).toContain(`${usd.format(4.8)}/h`)
    // The projection moves by one minute's burn ($0.08) when the clock turns a minute between the
    // CLI's answer and the page's: equal to the CLI's, or one minute's burn from it.
    const shown = Number(/→ \$([\d.]+) at end/.exec(burn)?.[1])
    const cliAt = cli.blocks[0]?.projection.totalCostUsd ?? NaN
    expect([cliAt - 0.08, cliAt, cliAt + 0.08].map((v) => usd.format(v))).toContain(usd.format(shown))
    // Every stored block is listed (the fixtures' plus the live one), up to twelve.
    const all = JSON.parse(await tokenwatch(['blocks', '--json'], env)) as { blocks: unknown[] }
    expect(await page.getByTestId('block-row').count()).toBe(Math.min(12, all.blocks.length))
  })

  it('shows plan limits as the agents reported them, with their age', async () => {
    const hook = JSON.parse(readFileSync(join(REPO, 'test/fixtures/ccusage/claude_statusline_hook_input.json'), 'utf8')) as Record<
      string,
      unknown
    >
    hook.rate_limits = { five_hour: { used_percentage: 23.5, resets_at: Math.round((now + 3 * 3_600_000) / 1000) } }
    const line = execFileSync(process.execPath, [join(REPO, 'bin/tokenwatch.js'), 'statusline'], {
      env,
      input: JSON.stringify(hook),
      encoding: 'utf8',
    })
    expect(line).toMatch(/^Sonnet 4 · session \$0\.06 · 5h 24% · today \$0\.80 · block \d+h\d\dm left \$4\.80\/h · budget 80%\n$/)
    await page.reload()
    await page.getByTestId('tab-spend').click()
    expect(await textOf('limits-codex-primary', '5-hour window: 42% used, resets in 2 hours')).toBe(
      '5-hour window: 42% used, resets in 2 hours',
    )
    expect(await textOf('limits-codex-age', 'Reported 5 minutes ago · plan plus')).toBe('Reported 5 minutes ago · plan plus')
    expect(await textOf('limits-claude-five_hour', '5-hour window: 24% used, resets in 3 hours')).toBe(
      '5-hour window: 24% used, resets in 3 hours',
    )
  })

  it('Settings edits budgets: a negative amount gets a clear error, a good one is saved and shown', async () => {
    await page.getByTestId('tab-settings').click()
    await page.getByRole('button', { name: 'Add budget' }).click()
    const row = page.getByTestId('budget-row').nth(1)
    await row.getByLabel('Name').fill('Sonnet monthly')
    await row.getByLabel('Amount (USD)').fill('-5')
    await row.getByLabel('Per').selectOption('month')
    await row.getByLabel('Scope').fill('models: claude-sonnet-4-5')
    await page.getByTestId('settings-save').click()
    const refused = 'arg.budgets[1].amountUsd: must be more than $0 (got -5)'
    expect(await textOf('settings-status', refused)).toBe(refused)
    await row.getByLabel('Amount (USD)').fill('5000000')
    await page.getByTestId('settings-save').click()
    const absurd = 'arg.budgets[1].amountUsd: $5000000 is more than $1,000,000; check the amount'
    expect(await textOf('settings-status', absurd)).toBe(absurd)
    await row.getByLabel('Amount (USD)').fill('40')
    await page.getByTestId('settings-save').click()
    expect(await textOf('settings-status', 'Saved.')).toBe('Saved.')

    const cli = JSON.parse(await tokenwatch(['budgets', '--json', '--tz', TZ], env)) as {
      budgets: {
        budget: { id: string; name: string; amountUsd: number; period: string; scope: unknown; thresholds: number[] }
        spentUsd: number
      }[]
    }
    const added = cli.budgets.find((b) => b.budget.id === 'sonnet-monthly')
    expect(added?.budget).toEqual({
      id: 'sonnet-monthly',
      name: 'Sonnet monthly',
      amountUsd: 40,
      period: 'month',
      scope: { models: ['claude-sonnet-4-5'] },
      thresholds: [80, 100],
    })
    await page.getByTestId('tab-spend').click()
    const want = `${usd.format(added?.spentUsd ?? NaN)} of ${usd.format(40)}`
    const figures = page.getByTestId('budget-sonnet-monthly-figures')
    await figures.waitFor({ timeout: WAIT_MS })
    expect(((await figures.textContent()) ?? '').startsWith(want)).toBe(true)
  })

  it('the chart metric toggle: time (active session time) and sessions', async () => {
    await page.getByTestId('tab-dashboard').click()
    await page.getByTestId('range-7d').click()
    await page.getByTestId('metric-time').click()
    await page.locator('#chart-title', { hasText: 'Time per day' }).waitFor({ timeout: WAIT_MS })
    // The live session's requests are ten minutes apart (idle); the old one's two minutes: 2/60 h.
    const total = async (want: string): Promise<string> => {
      const deadline = Date.now() + WAIT_MS
      for (;;) {
        const v = (await page.getByTestId('chart').getAttribute('data-total')) ?? ''
        if (v === want || Date.now() > deadline) return v
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    expect(Number(await total(String(2 / 60)))).toBeCloseTo(2 / 60, 12)
    await page.getByTestId('metric-sessions').click()
    await page.locator('#chart-title', { hasText: 'Sessions per day' }).waitFor({ timeout: WAIT_MS })
    // The 7 d range: today and the six days before (the Codex fixtures are dated 2030), per day.
    const since = new Date(Date.parse(new Date(now).toISOString().slice(0, 10)) - 6 * 86_400_000).toISOString().slice(0, 10)
    const byDaySession = JSON.parse(
      await tokenwatch(
        [
          'report',
          '--since',
          since,
          '--until',
          new Date(now).toISOString().slice(0, 10),
          '--tz',
          TZ,
          '--group-by',
          'day,session',
          '--json',
        ],
        env,
      ),
    ) as { rows: { session: string }[] }
    expect(byDaySession.rows.map((r) => r.session)).toContain('old')
    expect(await total(String(byDaySession.rows.length))).toBe(String(byDaySession.rows.length))
  })

  it("every user's lifetime and last-24-hour totals", async () => {
    const life = JSON.parse(await tokenwatch(['report', '--tz', TZ, '--group-by', 'user', '--json'], env)) as {
      rows: {
        user: string
        input: number
        output: number
        cacheRead: number
        cacheWrite: number
        costUsd: number
        unpricedTokens: number
      }[]
    }
    expect(life.rows.map((r) => r.user)).toEqual(['e2e'])
    const u = life.rows[0]
    const int = new Intl.NumberFormat('en-US')
    await page.getByTestId('tab-spend').click()
    const row = page.locator('[data-testid="user-row"][data-user="e2e"]')
    await row.waitFor({ timeout: WAIT_MS })
    // The last 24 hours: the two live requests, $0.40 and 6,200 tokens each (the old session is 30 h ago).
    expect(await row.locator('td').allTextContents()).toEqual([
      // The fixtures hold a model without a price: its tokens count, its cost is unknown.
      'e2e',
      `${usd.format(u?.costUsd ?? NaN)}${(u?.unpricedTokens ?? 0) > 0 ? ' + unpriced' : ''}`,
      int.format((u?.input ?? 0) + (u?.output ?? 0) + (u?.cacheRead ?? 0) + (u?.cacheWrite ?? 0)),
      '$0.80',
      '12,400',
    ])
  })

  it('the cost forecast: in the KPI tile and as the dashed continuation of the chart, as for the daily budget', async () => {
    const cli = JSON.parse(await tokenwatch(['budgets', '--json', '--tz', TZ], env)) as {
      budgets: { budget: { id: string }; spentUsd: number; forecast: { endUsd: number; lowUsd: number; highUsd: number; method: string } }[]
    }
    const daily = cli.budgets.find((b) => b.budget.id === 'daily')
    expect(daily?.forecast.method).not.toBe('none')
    const f = daily?.forecast ?? { endUsd: NaN, lowUsd: NaN, highUsd: NaN }
    await page.getByTestId('tab-dashboard').click()
    await page.getByTestId('range-today').click()
    await page.getByTestId('metric-cost').click()
    // "Today" is the daily budget's period over everything: the same forecast.
    const want = `forecast ${usd.format(f.endUsd)} (${usd.format(f.lowUsd)}–${usd.format(f.highUsd)}) by the range's end`
    expect(await textOf('kpi-cost-forecast', want)).toBe(want)
    const chart = page.getByTestId('chart')
    const deadline = Date.now() + WAIT_MS
    while ((await chart.getAttribute('data-forecast')) === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    // The dashed line's buckets add up to what is still to come (to the cent: the CLI and the page
    // answered a few seconds apart, and a pace-based forecast moves with the clock).
    expect(Number(await chart.getAttribute('data-forecast'))).toBeCloseTo(f.endUsd - (daily?.spentUsd ?? NaN), 2)
  })
})
