import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { rng } from '../../../helpers/rng'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { ConversationDb, genBlob } from './support'

describe('antigravity: generated conversations with rows rewritten in place, repeated responses and broken blobs', () => {
  it("totals equal the generator's, read after every write or once at the end", async () => {
    const rand = rng(5)
    const dir = tempDir()
    const data = join(dir, 'agy')
    const sources = createLogSources({ env: { ANTIGRAVITY_DATA_DIR: data }, home: dir }).filter((s) => s.id === 'antigravity')
    const inc = openStore(join(dir, 'inc.db'))
    const T0 = Date.parse('2026-09-01T00:00:00Z')
    const expected = { input: 0, output: 0, cacheRead: 0, requests: 0 }
    let broken = 0
    const dbs = Array.from(
      { length: 6 },
      (_, c) => new ConversationDb(join(data, c % 2 ? 'implicit' : 'conversations', `conv-${c}.db`), { created: T0 + c * 86_400_000 }),
    )
    const next = dbs.map(() => 0)
    for (let step = 0; step < 400; step++) {
      const c = Math.floor(rand() * dbs.length)
      const db = dbs[c] as ConversationDb
      const idx = next[c] as number
      next[c] = idx + 1
      if (rand() < 0.05) {
        db.put(idx, Buffer.from([0x0a, 0x7f, 0x00]))
        broken++
      } else {
        const g = {
          input: Math.floor(rand() * 50_000),
          response: 1 + Math.floor(rand() * 900),
          thinking: Math.floor(rand() * 200),
          cacheRead: Math.floor(rand() * 80_000),
          responseId: `c${c}-r${idx}`,
          at: T0 + step * 60_000,
        }
        // Written first half done, then rewritten in place with its final figures.
        db.put(idx, genBlob({ ...g, response: Math.floor(g.response / 2), thinking: 0 }))
        if (rand() < 0.5) await scanLogs(inc, sources, () => null, { userId: 'u' })
        db.put(idx, genBlob(g))
        // Now and then the CLI logs the same response again in the next row.
        if (rand() < 0.1) {
          next[c] = idx + 2
          db.put(idx + 1, genBlob(g))
        }
        expected.input += g.input
        expected.output += g.response + g.thinking
        expected.cacheRead += g.cacheRead
        expected.requests++
      }
      if (rand() < 0.3) await scanLogs(inc, sources, () => null, { userId: 'u' })
    }
    await scanLogs(inc, sources, () => null, { userId: 'u' })
    expect(broken).toBeGreaterThan(0)
    expect(ledgerTotals(inc)).toEqual({ ...expected, cacheWrite: 0 })
    expectAggregatesMatchLedger(inc)

    const once = openStore(join(dir, 'once.db'))
    const s = await scanLogs(once, sources, () => null, { userId: 'u' })
    expect(s.skipReasons).toEqual({ 'bad-field': broken })
    expect(ledgerTotals(once)).toEqual({ ...expected, cacheWrite: 0 })
    expectAggregatesMatchLedger(once)
    for (const db of dbs) db.close()
    inc.close()
    once.close()
  })
})
