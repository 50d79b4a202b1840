/**
 * End to end, invoice reconciliation in the Spend view against the real `tokenwatch serve`: the
 * page reads the picked export and the engine sets it beside the store, as `tokenwatch reconcile
 * --json` does on the same file.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchPage } from '../renderer/browser'
import { requireBuild, startServe, teardown, tokenwatch, type Serve } from './serve'

let root: string
let env: NodeJS.ProcessEnv
let serve: Serve | undefined
let ctx: BrowserContext | undefined
let page: Page

const line = (id: string, ts: string, costUSD: number) =>
  JSON.stringify({
    timestamp: ts,
    sessionId: 's',
    type: 'assistant',
    requestId: `req-${id}`,
    costUSD,
    message: {
      role: 'assistant',
      id: `msg-${id}`,
      model: 'claude-sonnet-4-20250514',
      usage: { input_tokens: 1000, output_tokens: 500, cache_creation_input_tokens: 0, cache_read_input_tokens: 5000 },
    },
  })

const EXPORT =
  [
    'usage_date_utc,model,uncached_input_tokens,cache_creation_input_tokens,cache_read_input_tokens,output_tokens,cost_usd',
    '2026-11-02,claude-sonnet-4-20250514,1000,0,5000,500,0.02',
    '2026-11-02,claude-opus-4-6,200,0,0,100,1.00',
  ].join('\n') + '\n'

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-reconcile-'))
  const claude = join(root, 'claude')
  mkdirSync(join(claude, 'projects', 'app'), { recursive: true })
  writeFileSync(join(claude, 'projects', 'app', 's.jsonl'), line('a', '2026-11-02T10:00:00Z', 0.02) + '\n')
  writeFileSync(join(root, 'export.csv'), EXPORT)
  writeFileSync(join(root, 'notes.csv'), 'when,what\n2026-11-02,lunch\n')
  env = {
    PATH: process.env.PATH ?? '',
    HOME: root,
    TZ: 'UTC',
    TOKENWATCH_HOME: join(root, 'home'),
    CLAUDE_CONFIG_DIR: claude,
    CODEX_HOME: join(root, 'codex'),
    TOKENWATCH_USER: 'e2e',
  }
  serve = await startServe(['--port', '0', '--no-socket'], env)
  const launched = await launchPage(root, 'UTC')
  ctx = launched.ctx
  page = launched.page
})

afterAll(() => teardown(ctx, serve, root))

describe('reconciling an invoice in the dashboard', () => {
  it('shows billed beside counted per day and model, as tokenwatch reconcile prints, and a clear error for a file that is no export', async () => {
    const cli = JSON.parse(await tokenwatch(['reconcile', join(root, 'export.csv'), '--json'], env)) as {
      lines: { model: string; reason: string }[]
    }
    expect(cli.lines.map((l) => [l.model, l.reason])).toEqual([
      ['claude-opus-4-6', 'not-counted'],
      ['claude-sonnet-4-20250514', 'match'],
    ])
    await page.goto(await (serve?.link() ?? Promise.resolve('')))
    await page.getByTestId('tab-spend').click()
    await page.getByTestId('reconcile-file').setInputFiles(join(root, 'export.csv'))
    const rows = page.getByTestId('reconcile-row')
    await rows.nth(1).waitFor({ timeout: 10_000 })
    expect(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-reason')))).toEqual(cli.lines.map((l) => l.reason))
    expect(await rows.nth(1).locator('td').allTextContents()).toEqual([
      '2026-11-02',
      'claude-sonnet-4-20250514',
      '$0.02',
      '$0.02',
      '$0.00',
      '6.5K / 6.5K',
      'billed and counted agree',
    ])
    expect(await page.getByTestId('reconcile-summary').textContent()).toContain('billed $1.02, counted $0.02')

    await page.getByTestId('reconcile-file').setInputFiles(join(root, 'notes.csv'))
    const err = page.getByTestId('reconcile-error')
    await err.waitFor({ timeout: 10_000 })
    expect(await err.textContent()).toContain('not a known provider export (headers: when, what)')
  })
})
