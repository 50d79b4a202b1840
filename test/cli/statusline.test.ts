import { describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { applyBatch } from '../../src/engine/ingest/apply-batch'
import { openStore } from '../../src/engine/store/open-store'
import { dataPaths } from '../../src/engine/paths'
import { parseHookInput, runStatusline } from '../../src/cli/statusline'
import { readStatuslineRecord } from '../../src/engine/plan/rate-limits'
import { FIXTURES, tempDir } from '../helpers/temp'
import { event } from '../engine/ingest/support'

const HOOK = readFileSync(join(FIXTURES, 'ccusage', 'claude_statusline_hook_input.json'), 'utf8')

async function run(home: string, input: string): Promise<{ code: number; out: string }> {
  let out = ''
  const code = await runStatusline([], { TOKENWATCH_HOME: home, TZ: 'UTC' }, { readInput: async () => input, out: (t) => (out += t) })
  return { code, out }
}

describe('tokenwatch statusline', () => {
  it('one line: model, session cost, today, the active block with its burn, the budget', async () => {
    const home = tempDir()
    const paths = dataPaths(home)
    writeFileSync(paths.settings, JSON.stringify({ timeZone: 'UTC', dailyBudgetUsd: 8 }))
    const store = openStore(paths.db)
    const now = Date.now()
    // Two Claude Code requests of $1.50, 20 and 10 minutes ago: $3 in 10 minutes is $18/h.
    applyBatch(store, [{ events: [event('a', now - 20 * 60_000), event('b', now - 10 * 60_000)] }], () => 1.5e9)
    store.close()
    const { code, out } = await run(home, HOOK)
    expect(code).toBe(0)
    const left = Math.floor((now - 20 * 60_000) / 3_600_000) * 3_600_000 + 5 * 3_600_000 - now
    const leftText = (m: number) => (m >= 60 ? `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m` : `${m}m`)
    // The minute can turn between here and the run: either reading is right.
    const lines = [0, -1].map(
      (d) => `Sonnet 4 · session $0.06 · today $3.00 · block ${leftText(Math.round(left / 60_000) + d)} left $18.00/h · budget 38%\n`,
    )
    expect(lines).toContain(out)
    // What the hook said is kept for the dashboard.
    expect(readStatuslineRecord(home)).toMatchObject({
      sessionId: '73cc9f9a-2775-4418-beec-bc36b62a1c6f',
      model: 'Sonnet 4',
      costUsd: 0.056266149999999994,
      rateLimits: null,
    })
  })

  it("records Claude Code's rate_limits and shows them", async () => {
    const home = tempDir()
    const input = JSON.stringify({
      ...JSON.parse(HOOK),
      rate_limits: {
        five_hour: { used_percentage: 23.5, resets_at: 1738425600 },
        seven_day: { used_percentage: 41.2, resets_at: 1738857600 },
      },
    })
    const { code, out } = await run(home, input)
    expect(code).toBe(0)
    expect(out).toBe('Sonnet 4 · session $0.06 · 5h 24% · 7d 41% · Token Watch: no data\n')
    expect(readStatuslineRecord(home)?.rateLimits?.windows).toEqual([
      { name: 'five_hour', usedPercent: 23.5, windowMinutes: 300, resetsAt: 1738425600_000 },
      { name: 'seven_day', usedPercent: 41.2, windowMinutes: 10080, resetsAt: 1738857600_000 },
    ])
  })

  it('never fails the hook: a broken store, broken settings, or garbage on stdin print a short line and exit 0', async () => {
    const home = tempDir()
    mkdirSync(home, { recursive: true })
    writeFileSync(dataPaths(home).db, 'this is not a database')
    expect(await run(home, HOOK)).toEqual({ code: 0, out: 'Sonnet 4 · session $0.06 · Token Watch: no data\n' })
    writeFileSync(dataPaths(home).settings, '{ not json')
    expect(await run(home, 'garbage')).toEqual({ code: 0, out: 'Token Watch: no data\n' })
  })

  it('reads only what it needs from the hook JSON', () => {
    expect(parseHookInput(HOOK, 0)).toEqual({
      sessionId: '73cc9f9a-2775-4418-beec-bc36b62a1c6f',
      model: 'Sonnet 4',
      costUsd: 0.056266149999999994,
      rateLimits: null,
    })
    expect(parseHookInput('{"model":{"id":"claude-x"},"cost":{"total_cost_usd":-1}}', 0)).toEqual({
      sessionId: null,
      model: 'claude-x',
      costUsd: null,
      rateLimits: null,
    })
  })
})
