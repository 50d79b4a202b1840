/**
 * End to end, the Settings form against the real `tokenwatch serve` (its own store, so the other
 * suite's figures stay as they are): a price override saved in the form re-costs history and the
 * KPI cost follows; a log folder added in the form (the headless dashboard takes a typed path) is
 * scanned and its usage shows up. Every figure is checked against `tokenwatch report`.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchPage } from '../renderer/browser'
import { fixtureEnv, requireBuild, startServe, teardown, tokenwatch, type Serve } from './serve'

const TZ = 'Asia/Colombo'
const SINCE = '2026-02-01'
const UNTIL = '2026-02-14'
const OPUS = 'claude-opus-4-6'
const HAIKU = 'claude-haiku-4-5-20251001'
const SONNET = 'claude-sonnet-4-5'
/**
 * The range's claude-opus-4-6 usage, the three test/fixtures/EXPECTED.md rows summed: in, out,
 * cache read, cache write. (The haiku lines carry Claude Code's own costUSD, which wins over any
 * price, so the override is for opus.)
 */
const OPUS_TOKENS = [57 + 3 + 41, 225 + 8 + 6_230, 99_746 + 164_830 + 1_380_819, 31_531 + 8_681 + 155_640] as const
/** The override typed into the form, USD per million: input, output, cache read, cache write 5m and 1h. */
const OVERRIDE = [3, 15, 3, 3, 3] as const
const WAIT_MS = 10_000

interface Figures {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costUsd: number | null
}
interface JsonReport {
  rows: (Figures & Record<string, string | number | null>)[]
  totals: Figures
}

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', minimumFractionDigits: 2, maximumFractionDigits: 2 })
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const tokensOf = (f: Figures): number => f.input + f.output + f.cacheRead + f.cacheWrite

let root: string
let env: NodeJS.ProcessEnv
let serve: Serve | undefined
let ctx: BrowserContext | undefined
let page: Page

async function cliJson(groupBy: string): Promise<JsonReport> {
  return JSON.parse(
    await tokenwatch(['report', '--since', SINCE, '--until', UNTIL, '--tz', TZ, '--group-by', groupBy, '--json'], env),
  ) as JsonReport
}

async function textOf(testid: string, expected: string, timeoutMs = WAIT_MS): Promise<string> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const last = (await loc.count()) > 0 ? ((await loc.textContent()) ?? '') : '<missing>'
    if (last === expected || Date.now() > deadline) return last
    await new Promise((r) => setTimeout(r, 50))
  }
}

async function openView(): Promise<void> {
  if (serve === undefined) throw new Error('serve is not running')
  await page.goto(await serve.link())
  await page.getByTestId('range-custom').click()
  await page.getByTestId('range-to').fill(UNTIL)
  await page.getByTestId('range-from').fill(SINCE)
}

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-settings-'))
  env = fixtureEnv(join(root, 'data'), TZ)
  serve = await startServe(['--port', '0', '--no-socket'], env)
  const launched = await launchPage(root, TZ)
  ctx = launched.ctx
  page = launched.page
})

afterAll(() => teardown(ctx, serve, root))

describe('settings over the real tokenwatch serve', () => {
  it('saves a price override in the form; history is re-costed and the KPI cost follows', async () => {
    const before = await cliJson('model')
    const haikuCost = before.rows.find((r) => r.model === HAIKU)?.costUsd ?? NaN
    expect(before.rows.find((r) => r.model === OPUS)).toMatchObject({
      input: OPUS_TOKENS[0],
      output: OPUS_TOKENS[1],
      cacheRead: OPUS_TOKENS[2],
      cacheWrite: OPUS_TOKENS[3],
    })
    expect(usd.format(before.totals.costUsd ?? NaN)).toBe('$2.40')
    await openView()
    expect(await textOf('kpi-cost-value', '$2.40')).toBe('$2.40')

    await page.getByTestId('tab-settings').click()
    await page.getByRole('button', { name: 'Add override' }).click()
    const row = page.getByTestId('override-row').first()
    await row.getByLabel('Model').fill(OPUS)
    for (const [i, label] of ['Input', 'Output', 'Cache read', 'Cache write 5m', 'Cache write 1h'].entries()) {
      await row.getByLabel(label, { exact: true }).fill(String(OVERRIDE[i]))
    }
    await page.getByTestId('settings-save').click()
    expect(await textOf('settings-status', 'Saved.')).toBe('Saved.')

    // 101 × $3 + 6,463 × $15 + 1,645,395 × $3 + 195,852 × $3, per million tokens: $5.620989.
    const opusCost =
      (OPUS_TOKENS[0] * OVERRIDE[0] + OPUS_TOKENS[1] * OVERRIDE[1] + OPUS_TOKENS[2] * OVERRIDE[2] + OPUS_TOKENS[3] * OVERRIDE[3]) / 1e6
    expect(opusCost).toBeCloseTo(5.620989, 12)
    const after = await cliJson('model')
    expect(after.rows.find((r) => r.model === OPUS)?.costUsd).toBeCloseTo(opusCost, 9)
    expect(after.totals.costUsd).toBeCloseTo(opusCost + haikuCost, 9)
    const want = usd.format(opusCost + haikuCost)
    expect(want).toBe('$5.69')

    await page.getByTestId('tab-dashboard').click()
    expect(await textOf('kpi-cost-value', want)).toBe(want)
    const opusRow = page.getByTestId('breakdown-row').filter({ hasText: OPUS })
    expect(await opusRow.locator('td').nth(6).textContent()).toBe('$5.62')
  })

  it('adds a log folder typed in the form; its usage appears in the dashboard', async () => {
    // A Claude Code config folder outside CLAUDE_CONFIG_DIR: one claude-sonnet-4-5 request on
    // 2026-02-12 (17:30 in Colombo), 4,000 in + 1,000 out + 20,000 cache read.
    const extra = join(root, 'work-laptop-claude')
    mkdirSync(join(extra, 'projects', 'side-project'), { recursive: true })
    const line = {
      type: 'assistant',
      timestamp: '2026-02-12T12:00:00.000Z',
      sessionId: 'side-1',
      cwd: '/work/side-project',
      requestId: 'req_side_1',
      uuid: '00000000-0000-4000-8000-00000000e2e2',
      message: {
        id: 'msg_side_1',
        type: 'message',
        role: 'assistant',
        model: SONNET,
        usage: { input_tokens: 4000, output_tokens: 1000, cache_read_input_tokens: 20_000, cache_creation_input_tokens: 0 },
      },
    }
    writeFileSync(join(extra, 'projects', 'side-project', 'side-1.jsonl'), JSON.stringify(line) + '\n')
    const before = await cliJson('model')

    await openView()
    expect(await textOf('kpi-tokens-value', int.format(tokensOf(before.totals)))).toBe(int.format(tokensOf(before.totals)))
    await page.getByTestId('tab-settings').click()
    await page.getByTestId('folders-claude-code-input').fill(extra)
    await page.getByTestId('folders-claude-code-add').click()
    expect(await textOf('folders-claude-code-status', `Watching ${extra}.`)).toBe(`Watching ${extra}.`)
    expect(await page.getByTestId('folders-claude-code').getByTestId('folder-entry').allTextContents()).toEqual([`${extra}Remove`])

    const after = await cliJson('model')
    expect(tokensOf(after.totals)).toBe(tokensOf(before.totals) + 25_000)
    expect(after.totals.requests).toBe(before.totals.requests + 1)
    expect(after.rows.find((r) => r.model === SONNET)).toMatchObject({
      input: 4000,
      output: 1000,
      cacheRead: 20_000,
      cacheWrite: 0,
      requests: 1,
    })

    await page.getByTestId('tab-dashboard').click()
    expect(await textOf('kpi-tokens-value', int.format(tokensOf(after.totals)))).toBe(int.format(tokensOf(after.totals)))
    expect(await textOf('kpi-cost-value', usd.format(after.totals.costUsd ?? NaN))).toBe(usd.format(after.totals.costUsd ?? NaN))
    expect(await page.getByTestId('breakdown-row').filter({ hasText: SONNET }).count()).toBe(1)
  })
  it('refuses a log folder that is relative or does not exist, saying why; nothing is added', async () => {
    await openView()
    await page.getByTestId('tab-settings').click()
    const input = page.getByTestId('folders-codex-input')
    await input.fill('logs/codex')
    await page.getByTestId('folders-codex-add').click()
    const relative = 'logs/codex is not an absolute path (give the whole path, e.g. /home/me/.codex)'
    expect(await textOf('folders-codex-status', relative)).toBe(relative)
    const missing = join(root, 'no-such-folder')
    await input.fill(missing)
    await input.press('Enter')
    expect(await textOf('folders-codex-status', `${missing} does not exist`)).toBe(`${missing} does not exist`)
    expect(await page.getByTestId('folders-codex').getByTestId('folder-entry').count()).toBe(0)
    const saved = JSON.parse(readFileSync(join(env.TOKENWATCH_HOME ?? '', 'settings.json'), 'utf8')) as { logFolders: { codex: string[] } }
    expect(saved.logFolders.codex).toEqual([])
  })

  it("Team and my machines: a bad team URL is refused in the form; a machines folder saved in the form gets this machine's file, projects hashed", async () => {
    await openView()
    await page.getByTestId('tab-settings').click()
    await page.getByTestId('settings-team-url').fill('mysql://db/team')
    await page.getByTestId('settings-save').click()
    const bad = 'The team database must be a postgres:// URL (or empty for none).'
    expect(await textOf('settings-status', bad)).toBe(bad)
    await page.getByTestId('settings-team-url').fill('')
    const folder = join(root, 'Sync', 'tokenwatch')
    mkdirSync(folder, { recursive: true })
    await page.getByTestId('settings-machines-folder').fill(folder)
    await page.getByTestId('settings-team-projects').selectOption('hashed')
    await page.getByTestId('settings-save').click()
    expect(await textOf('settings-status', 'Saved.')).toBe('Saved.')
    // The engine writes the file at once; its rows sum to this machine's own report.
    const deadline = Date.now() + WAIT_MS
    while (!readdirSync(folder).some((f) => /^tokenwatch-[0-9a-f-]{36}\.json$/.test(f)) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50))
    const [file] = readdirSync(folder)
    const body = JSON.parse(readFileSync(join(folder, file ?? ''), 'utf8')) as { projects: string; rows: (string | number)[][] }
    expect(body.projects).toBe('hashed')
    for (const r of body.rows) expect(r[4]).toMatch(/^sha256:[0-9a-f]{16}$/)
    const all = JSON.parse(await tokenwatch(['report', '--json', '--group-by', 'model'], env)) as JsonReport
    expect(body.rows.reduce((n, r) => n + (r[10] as number), 0)).toBe(all.totals.requests)
    expect(body.rows.reduce((n, r) => n + (r[6] as number) + (r[7] as number) + (r[8] as number) + (r[9] as number), 0)).toBe(
      tokensOf(all.totals),
    )
  })
})
