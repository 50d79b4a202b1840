import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openContext } from '../../src/engine/context'
import { applyBatch } from '../../src/engine/ingest/apply-batch'
import { getMeta } from '../../src/engine/store/open-store'
import { event } from '../engine/ingest/support'
import { tempDir } from '../helpers/temp'

describe('a re-cost that cannot be done never stops start-up', () => {
  it('16 pushed events of 1e12 output tokens, then a price of $600/M: the store still opens, says so, and keeps the counts', () => {
    const dir = tempDir()
    const env = { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') }
    const first = openContext({ env, log: () => {} })
    const events = Array.from({ length: 16 }, (_, i) =>
      event(`ext:bot:${i}`, Date.parse('2026-03-01T10:00:00Z') + i, { source: 'socket', model: 'pricey-model', output: 1e12 }),
    )
    applyBatch(first.store, [{ events }], () => null)
    first.close()
    // Each event now costs $600,000,000 (6e17 nano-USD): the quarter-hour sum is past 2^63.
    writeFileSync(
      join(dir, 'home', 'settings.json'),
      JSON.stringify({ priceOverrides: [{ model: 'pricey-model', input: 1, output: 600 }] }),
    )
    const messages: string[] = []
    const ctx = openContext({ env, log: (m) => messages.push(m) })
    try {
      expect(messages.join('\n')).toMatch(/re-cost.*failed.*integer overflow/i)
      // Nothing was half-applied: the tokens are all there, the price version is not recorded as
      // applied, so the next start tries again.
      const t = ctx.store.db.prepare('SELECT SUM(output) AS output, COUNT(*) AS n FROM usage_events').get()
      expect(t).toEqual({ output: 16e12, n: 16 })
      expect(getMeta(ctx.store, 'price_version')).not.toBe(ctx.prices.version)
    } finally {
      ctx.close()
    }
  })
})
