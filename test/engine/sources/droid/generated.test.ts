import { describe, expect, it } from 'vitest'
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { openStore } from '../../../../src/engine/store/open-store'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger, ledgerTotals } from '../../ingest/support'
import { rng } from '../../../helpers/rng'

function put(path: string, text: string, at: number): void {
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, text)
  utimesSync(path, new Date(at), new Date(at))
}

describe('droid: a generated tree of sessions rewritten many times, archived copies and broken files', () => {
  it("totals are each session's last snapshot, read once at the end or after every rewrite", async () => {
    const rand = rng(7)
    const dir = tempDir()
    const sessions = join(dir, 'sessions')
    const T0 = Date.parse('2026-07-01T00:00:00Z')
    const expected = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
    // Every write in order: [path, text, mtime]; the incremental store scans after each.
    const writes: [string, string, number][] = []
    let broken = 0
    for (let s = 0; s < 24; s++) {
      const id = `s${s}`
      const live = join(sessions, `-proj-${s % 4}`, `${id}.settings.json`)
      const c = [0, 0, 0, 0, 0]
      let archived: string | undefined
      const steps = 3 + Math.floor(rand() * 6)
      for (let k = 0; k < steps; k++) {
        for (let b = 0; b < 5; b++) c[b] = (c[b] ?? 0) + Math.floor(rand() * (b === 3 ? 5000 : 500))
        const [inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, thinkingTokens] = c
        const text = JSON.stringify({
          model: 'claude-sonnet-4-5',
          providerLock: 'anthropic',
          tokenUsage: { inputTokens, outputTokens, cacheCreationTokens, cacheReadTokens, thinkingTokens },
        })
        writes.push([live, text, T0 + (s * 10 + k) * 3_600_000])
        if (k === 1) archived = text
        if (s % 5 === 2 && k === 0) {
          writes.push([live, text.slice(0, 30), T0 + (s * 10 + k) * 3_600_000 + 60_000])
          broken++
          // The next snapshot rewrites it whole again.
          writes.push([live, text, T0 + (s * 10 + k) * 3_600_000 + 120_000])
        }
      }
      // An archived copy of an earlier snapshot, written after the live one moved on.
      if (s % 3 === 0 && archived) writes.push([join(sessions, 'archive', `${id}.settings.json`), archived, T0 + (s * 10 + 9) * 3_600_000])
      expected.input += c[0] ?? 0
      expected.output += (c[1] ?? 0) + (c[4] ?? 0)
      expected.cacheWrite += c[2] ?? 0
      expected.cacheRead += c[3] ?? 0
    }
    // A settings file with no usage yet and one not JSON at all.
    writes.push([join(sessions, '-proj-0', 'new.settings.json'), '{"model":"gpt-5"}', T0])
    writes.push([join(sessions, '-proj-0', 'junk.settings.json'), 'not json', T0])

    const sources = (root: string) => createLogSources({ env: { DROID_SESSIONS_DIR: root }, home: dir }).filter((x) => x.id === 'droid')
    // Incremental: scan after every write.
    const inc = openStore(join(dir, 'inc.db'))
    let skipped = 0
    for (const [path, text, at] of writes) {
      put(path, text, at)
      const s = await scanLogs(inc, sources(sessions), () => null, { userId: 'u' })
      skipped += s.skipReasons['malformed-json'] ?? 0
    }
    expect(skipped).toBe(broken + 1)
    const incTotals = ledgerTotals(inc)
    expect({ ...incTotals, requests: 0 }).toEqual({ ...expected, requests: 0 })
    expectAggregatesMatchLedger(inc)

    // Once: the final tree read in one backfill (each session is one snapshot at its file time).
    const once = openStore(join(dir, 'once.db'))
    const s = await scanLogs(once, sources(sessions), () => null, { userId: 'u' })
    expect(s.skipReasons).toEqual({ 'malformed-json': 1 })
    expect(ledgerTotals(once)).toEqual({ ...expected, requests: 24 })
    expectAggregatesMatchLedger(once)
    // A second scan reads nothing new.
    const again = await scanLogs(once, sources(sessions), () => null, { userId: 'u' })
    expect(again.filesRead).toBe(0)
    inc.close()
    once.close()
  })
})
