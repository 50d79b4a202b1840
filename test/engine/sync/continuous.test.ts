import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appendFileSync, writeFileSync } from 'node:fs'
import { Engine } from '../../../src/engine/live/engine'
import { runReport } from '../../../src/engine/query/report'
import { teamReport } from '../../../src/engine/sync/team-report'
import { startPostgres, type TestPostgres } from '../../helpers/postgres'
import { event } from '../ingest/support'
import { liveSetup } from '../live/support'

let pgs: TestPostgres

beforeAll(async () => {
  pgs = await startPostgres()
}, 180_000)

afterAll(async () => {
  await pgs?.destroy()
})

function claudeLine(id: string, output: number, ts: string): string {
  return (
    JSON.stringify({
      type: 'assistant',
      timestamp: ts,
      sessionId: 's1',
      cwd: '/work/app',
      requestId: `req_${id}`,
      message: {
        id: `msg_${id}`,
        model: 'claude-sonnet-4-20250514',
        usage: { input_tokens: 10, output_tokens: output, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
      },
    }) + '\n'
  )
}

async function until(ok: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await ok())) {
    if (Date.now() > end) throw new Error('condition not reached')
    await new Promise((r) => setTimeout(r, 50))
  }
}

describe('continuous team sync while the engine runs', () => {
  it('syncs after commits (logs and pushed events), backs off while the server is down and catches up after it returns, to the token', async () => {
    const s = liveSetup()
    writeFileSync(s.log, claudeLine('a', 5, '2026-03-01T10:05:00Z'))
    const logs: string[] = []
    const url = pgs.url.replace('tw@', 'tw:not-needed-pw@') // trust auth ignores it; it must never be logged
    const engine = await Engine.open({
      env: { ...s.env, TOKENWATCH_TEAM_URL: url },
      autoBackup: false,
      log: (m) => logs.push(m),
      teamSync: { debounceMs: 20, backoffMs: 50, maxBackoffMs: 200 },
    })
    try {
      await engine.start()
      const local = () => runReport(engine.store, { tz: 'UTC', groupBy: [] }).totals
      const team = async () => (await teamReport(pgs.url, { tz: 'UTC', groupBy: [] }).catch(() => null))?.totals
      const inSync = async () => JSON.stringify(await team()) === JSON.stringify(local())
      await until(inSync)
      expect(local().requests).toBe(1)
      // A line appended to the log and a pushed event: each commit leads to a sync.
      appendFileSync(s.log, claudeLine('b', 7, '2026-03-01T11:05:00Z'))
      await engine.writer.submit([event('ext:me:1', Date.parse('2026-03-01T12:00:00Z'), { source: 'socket', agentId: 'me' })])
      await until(async () => local().requests === 3 && (await inSync()))
      // The server goes away; work goes on; syncs fail and are retried.
      await pgs.stop()
      await engine.writer.submit([event('ext:me:2', Date.parse('2026-03-01T12:10:00Z'), { source: 'socket', agentId: 'me', output: 77 })])
      appendFileSync(s.log, claudeLine('c', 9, '2026-03-01T13:05:00Z'))
      await until(async () => local().requests === 5 && (engine.teamSyncer?.status.lastError ?? null) !== null)
      expect(engine.teamSyncer?.status.retryAt).toBeGreaterThan(0)
      expect(logs[0]).toMatch(/^team sync to postgres:\/\/tw:\*\*\*@127\.0\.0\.1:\d+\/tw failed: /)
      expect(logs.join('\n')).not.toContain('not-needed-pw')
      // Back: the next retry sends everything changed since the last acknowledgement.
      await pgs.start()
      await until(inSync)
      expect((await team())?.requests).toBe(5)
      expect(engine.teamSyncer?.status.lastError).toBeNull()
    } finally {
      await engine.stop()
    }
  })
})
