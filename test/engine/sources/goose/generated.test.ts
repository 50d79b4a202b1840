import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { rng } from '../../../helpers/rng'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { GooseDb } from './support'

describe('goose: a generated history of sessions updated in place, with rows broken for a while', () => {
  it("totals are every session's last running totals, read after every reply or once at the end", async () => {
    const rand = rng(23)
    const dir = tempDir()
    const root = join(dir, 'root')
    const agent = new GooseDb(join(root, 'data', 'sessions', 'sessions.db'))
    const sources = createLogSources({ env: { GOOSE_PATH_ROOT: root }, home: dir }).filter((s) => s.id === 'goose')
    const inc = openStore(join(dir, 'inc.db'))
    const T0 = Date.parse('2026-08-01T00:00:00Z')
    // The fixture's own session.
    const expected = { input: 2100, output: 300 }
    let skipped = 0
    const ids: string[] = []
    const outputs = new Map<string, number>()
    for (let step = 0; step < 300; step++) {
      const at = T0 + step * 97_000
      if (ids.length === 0 || rand() < 0.15) {
        const id = `20260801_${ids.length + 1}`
        agent.session(id, at, `/p/${ids.length % 3}`)
        ids.push(id)
      }
      const id = ids[Math.floor(rand() * ids.length)] as string
      const input = Math.floor(rand() * 4000)
      const output = Math.floor(rand() * 300)
      const reasoning = rand() < 0.3 ? Math.floor(rand() * 100) : 0
      agent.reply(id, at, input, output, reasoning)
      outputs.set(id, (outputs.get(id) ?? 0) + output)
      expected.input += input
      expected.output += output + reasoning
      if (step % 37 === 5) {
        // A row Goose (or a broken migration) left unreadable for a while, then fixed by the next reply.
        agent.db.prepare("UPDATE sessions SET accumulated_output_tokens = 'x' WHERE id = ?").run(id)
        skipped++
        const s = await scanLogs(inc, sources, () => null, { userId: 'u' })
        expect(s.skipReasons['bad-field']).toBeGreaterThanOrEqual(1)
        agent.db.prepare('UPDATE sessions SET accumulated_output_tokens = ? WHERE id = ?').run(outputs.get(id), id)
      }
      if (rand() < 0.5) await scanLogs(inc, sources, () => null, { userId: 'u' })
    }
    await scanLogs(inc, sources, () => null, { userId: 'u' })
    expect(skipped).toBeGreaterThan(0)
    const totals = ledgerTotals(inc)
    expect([totals.input, totals.output]).toEqual([expected.input, expected.output])
    expectAggregatesMatchLedger(inc)

    const once = openStore(join(dir, 'once.db'))
    await scanLogs(once, sources, () => null, { userId: 'u' })
    const o = ledgerTotals(once)
    const answered = agent.db.prepare('SELECT count(*) FROM sessions WHERE accumulated_total_tokens > 0').pluck().get()
    expect([o.input, o.output, o.requests]).toEqual([expected.input, expected.output, answered])
    expectAggregatesMatchLedger(once)
    inc.close()
    once.close()
    agent.close()
  })
})
