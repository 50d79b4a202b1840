import { describe, expect, it } from 'vitest'
import { cpSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { rng } from '../../../helpers/rng'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'

const EXT = ['saoudrizwan.claude-dev', 'rooveterinaryinc.roo-cline', 'kilocode.kilo-code'] as const

describe('cline: a generated tree of tasks in three extensions, rewritten as they run, copied and broken', () => {
  it("totals equal the generator's, read after every rewrite or once at the end; a task copied to another folder counts once", async () => {
    const rand = rng(31)
    const home = tempDir()
    const sources = createLogSources({ env: {}, home }).filter((s) => s.id === 'cline')
    const inc = openStore(join(home, 'inc.db'))
    const T0 = Date.parse('2026-04-01T00:00:00Z')
    const expected = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0 }
    let broken = 0
    const tasks: { dir: string; messages: unknown[]; t: number }[] = []
    for (let i = 0; i < 18; i++) {
      const dir = join(home, '.config', i % 2 ? 'Code' : 'VSCodium', 'User', 'globalStorage', EXT[i % 3] as string, 'tasks', `task-${i}`)
      mkdirSync(dir, { recursive: true })
      tasks.push({ dir, messages: [{ ts: T0 + i * 1000, type: 'say', say: 'text', text: 'go' }], t: T0 + i * 3_600_000 })
    }
    const save = (task: { dir: string; messages: unknown[] }, text = JSON.stringify(task.messages)) => {
      const file = join(task.dir, 'ui_messages.json')
      writeFileSync(file + '.tmp', text)
      renameSync(file + '.tmp', file)
    }
    for (let step = 0; step < 250; step++) {
      const task = tasks[Math.floor(rand() * tasks.length)] as (typeof tasks)[number]
      task.t += 1000 + Math.floor(rand() * 60_000)
      const ts = task.t
      // Written as a placeholder, saved, then filled in (Anthropic protocol, after Roo's 3.29.5: a whole prompt everywhere but Cline).
      const index = task.messages.push({ ts, type: 'say', say: 'api_req_started', text: JSON.stringify({ request: 'x' }) }) - 1
      save(task)
      if (rand() < 0.4) await scanLogs(inc, sources, () => null, { userId: 'u' })
      const uncached = Math.floor(rand() * 3000)
      const cacheReads = Math.floor(rand() * 20_000)
      const cacheWrites = Math.floor(rand() * 2000)
      const tokensOut = 1 + Math.floor(rand() * 500)
      const cline = task.dir.includes('claude-dev')
      const tokensIn = cline ? uncached : uncached + cacheReads + cacheWrites
      task.messages[index] = {
        ts,
        type: 'say',
        say: 'api_req_started',
        text: JSON.stringify({ request: 'x', tokensIn, tokensOut, cacheReads, cacheWrites, apiProtocol: 'anthropic' }),
      }
      task.messages.push({ ts: ts + 1, type: 'say', say: 'text', text: 'ok', partial: false })
      if (rand() < 0.05) {
        save(task, JSON.stringify(task.messages).slice(0, 40))
        broken++
        await scanLogs(inc, sources, () => null, { userId: 'u' })
      }
      save(task)
      expected.input += uncached
      expected.output += tokensOut
      expected.cacheRead += cacheReads
      expected.cacheWrite += cacheWrites
      expected.requests++
      if (rand() < 0.3) await scanLogs(inc, sources, () => null, { userId: 'u' })
    }
    // Cline moved its tasks to ~/.cline/data at some point: a copy of a task already read adds nothing.
    const copied = tasks.find((t) => t.dir.includes('claude-dev')) as (typeof tasks)[number]
    cpSync(copied.dir, join(home, '.cline', 'data', 'tasks', 'task-0'), { recursive: true })
    await scanLogs(inc, sources, () => null, { userId: 'u' })
    expect(broken).toBeGreaterThan(0)
    expect(ledgerTotals(inc)).toEqual(expected)
    expectAggregatesMatchLedger(inc)

    const once = openStore(join(home, 'once.db'))
    const s = await scanLogs(once, sources, () => null, { userId: 'u' })
    expect(s.skipped).toBe(0)
    expect(ledgerTotals(once)).toEqual(expected)
    expectAggregatesMatchLedger(once)
    inc.close()
    once.close()
  })
})
