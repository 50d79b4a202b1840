/**
 * End to end, Cursor in the Sources panel against the real `tokenwatch serve`: the card says what
 * Cursor does not record locally; picking the dashboard's usage export imports it, and the store
 * then holds the export's figures for its day instead of state.vscdb's, as `report` shows.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchPage } from '../renderer/browser'
import { CSV, CursorDb } from '../engine/sources/cursor/support'
import { requireBuild, startServe, teardown, tokenwatch, type Serve } from './serve'

let root: string
let env: NodeJS.ProcessEnv
let serve: Serve | undefined
let ctx: BrowserContext | undefined
let page: Page

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-cursor-'))
  const data = join(root, 'Cursor')
  const cursor = new CursorDb(join(data, 'User', 'globalStorage', 'state.vscdb'))
  cursor.bubble('c1', 'b1', { at: '2025-11-13T18:36:04.000Z', input: 700, output: 21000 })
  cursor.bubble('c1', 'b2', { at: '2025-11-12T08:00:00.000Z', input: 30, output: 3 })
  cursor.close()
  writeFileSync(join(root, 'usage-events-2025-11-13.csv'), CSV)
  writeFileSync(join(root, 'notes.csv'), 'when,what\n2026-11-02,lunch\n')
  env = {
    PATH: process.env.PATH ?? '',
    HOME: root,
    TZ: 'UTC',
    TOKENWATCH_HOME: join(root, 'home'),
    CLAUDE_CONFIG_DIR: join(root, 'claude'),
    CODEX_HOME: join(root, 'codex'),
    CURSOR_DATA_DIR: data,
    TOKENWATCH_USER: 'e2e',
  }
  serve = await startServe(['--port', '0', '--no-socket'], env)
  const launched = await launchPage(root, 'UTC')
  ctx = launched.ctx
  page = launched.page
})

afterAll(() => teardown(ctx, serve, root))

const cursorTotals = async () => {
  const r = JSON.parse(
    await tokenwatch(['report', '--source', 'cursor', '--json', '--tz', 'UTC', '--db', join(root, 'home', 'tokenwatch.db')], env),
  ) as { totals: Record<string, number> }
  return [r.totals.requests, r.totals.input, r.totals.output, r.totals.cacheRead, r.totals.cacheWrite]
}

describe('Cursor in the Sources panel', () => {
  it('says what Cursor does not record locally, imports the picked usage export, which replaces state.vscdb for its day; another file is refused clearly', async () => {
    await page.goto(await (serve?.link() ?? Promise.resolve('')))
    await page.getByTestId('tab-sources').click()
    const card = page.getByTestId('source-cursor')
    await card.waitFor({ timeout: 10_000 })
    expect(await card.getByTestId('cursor-limits').textContent()).toContain(
      'newer ones write zeros), never cache reads or writes, and no cost',
    )
    expect(await cursorTotals()).toEqual([2, 730, 21003, 0, 0])
    await card.getByTestId('cursor-import-file').setInputFiles(join(root, 'usage-events-2025-11-13.csv'))
    const summary = card.getByTestId('cursor-import-summary')
    await summary.waitFor({ timeout: 10_000 })
    expect(await summary.textContent()).toBe('Imported usage-events-2025-11-13.csv: 2 requests, 2025-11-13 (UTC)')
    // The bubble of 2025-11-13 is replaced by the export's two rows; the one of 2025-11-12 stays.
    expect(await cursorTotals()).toEqual([3, 30 + 775 + 8263, 3 + 21282 + 1612, 105891 + 66964, 28342])
    await card.getByTestId('cursor-import-file').setInputFiles(join(root, 'notes.csv'))
    const err = card.getByTestId('cursor-import-error')
    await err.waitFor({ timeout: 10_000 })
    expect(await err.textContent()).toContain("not imported: not Cursor's usage export (headers: when, what)")
  })
})
