/**
 * End to end, the first run: the real engine and web server (what `tokenwatch serve` runs) over
 * a log tree copied from test/fixtures, with the built dashboard in Chromium. The page opens
 * before the backfill starts (as it can when the engine is still setting up its watcher), shows
 * what discovery found on disk and a hint for the agent it did not find, keeps polling, and turns
 * into the dashboard once the backfill has finished, with the same number of sessions it found.
 *
 * In-process rather than a spawned `serve`, so the test decides when the backfill starts: a
 * spawned serve backfills these few files in milliseconds, before any page could ask.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEngineApi } from '../../src/engine/api'
import { Engine } from '../../src/engine/live/engine'
import { startWebServer, type WebServer } from '../../src/engine/web/server'
import { launchPage } from '../renderer/browser'
import { REPO, fixtureEnv, requireBuild } from './serve'

const TZ = 'Asia/Colombo'
const WAIT_MS = 10_000
const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

let root: string
let env: NodeJS.ProcessEnv
let engine: Engine | undefined
let server: WebServer | undefined
let ctx: BrowserContext | undefined
let page: Page

async function textOf(testid: string, expected: string, timeoutMs = WAIT_MS): Promise<string> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const last = (await loc.count()) > 0 ? ((await loc.textContent()) ?? '') : '<missing>'
    if (last === expected || Date.now() > deadline) return last
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-first-'))
  // The Claude Code fixtures are on disk; Codex is not installed here.
  env = { ...fixtureEnv(join(root, 'data'), TZ), CODEX_HOME: join(root, 'data', 'no-codex-here') }
  engine = await Engine.open({ env, changeDebounceMs: 5, log: () => {} })
  server = await startWebServer({
    api: createEngineApi(engine, { socketPath: engine.paths.socket }),
    staticDir: join(REPO, 'out', 'renderer'),
  })
  const launched = await launchPage(root, TZ)
  ctx = launched.ctx
  page = launched.page
})

afterAll(async () => {
  try {
    await ctx?.close()
    await server?.close()
    await engine?.stop()
  } finally {
    if (root !== undefined) rmSync(root, { recursive: true, force: true })
  }
})

describe('first run over the real engine', () => {
  it('shows the sources found on disk, a hint for the missing agent, and the dashboard once the backfill is done', async () => {
    if (engine === undefined || server === undefined) throw new Error('not started')
    const claude = join(env.CLAUDE_CONFIG_DIR as string, 'projects')
    const codex = join(env.CODEX_HOME as string)
    await page.goto(server.newLink())
    await page.getByTestId('first-run').waitFor({ timeout: WAIT_MS })

    // Counted from the files: spotter (three transcripts; the subagent's belongs to its session),
    // project-alpha and project-beta. Nothing is in the store yet.
    expect(await textOf('first-run-claude-code', 'found Claude Code: 5 sessions in 3 projects')).toBe(
      'found Claude Code: 5 sessions in 3 projects',
    )
    const codexLine = `not found Codex: nothing at ${join(codex, 'sessions')}, ${join(codex, 'archived_sessions')}. Codex CLI keeps rollouts in ~/.codex/sessions (set CODEX_HOME to point elsewhere).`
    expect(await textOf('first-run-codex', codexLine)).toBe(codexLine)
    expect(await page.getByTestId('first-run').textContent()).toContain(engine.paths.socket)
    const api = createEngineApi(engine)
    expect((await api.sourceStatus()).find((s) => s.source === 'claude-code')).toMatchObject({
      location: claude,
      files: 0,
      sessions: 0,
      events: 0,
    })
    // The backfill has not started: the bar waits, and the page keeps asking.
    expect(await textOf('backfill-label', 'Getting ready to read their history…')).toBe('Getting ready to read their history…')
    expect(await page.getByTestId('backfill-progress').getAttribute('value')).toBeNull()
    if (process.env.SCREENSHOTS === '1') {
      const shots = join(REPO, 'docs', 'screenshots')
      mkdirSync(shots, { recursive: true })
      await page.screenshot({ path: join(shots, 'first-run.png') })
    }
    await new Promise((r) => setTimeout(r, 1200))
    expect(await page.getByTestId('first-run').count()).toBe(1)

    await engine.start()
    // The dashboard follows by itself; over all time it counts the very sessions discovery found.
    await page.getByTestId('range-all').waitFor({ timeout: WAIT_MS })
    await page.getByTestId('range-all').click()
    const totals = (await api.report({ tz: TZ, groupBy: [] })).totals
    const tokens = int.format(totals.input + totals.output + totals.cacheRead + totals.cacheWrite)
    expect(await textOf('kpi-sessions-value', '5')).toBe('5')
    expect(await api.sessionCount({ tz: TZ })).toBe(5)
    expect(await textOf('kpi-requests-value', int.format(totals.requests))).toBe(int.format(totals.requests))
    expect(await textOf('kpi-tokens-value', tokens)).toBe(tokens)
    expect(await page.getByTestId('first-run').count()).toBe(0)
  })
})
