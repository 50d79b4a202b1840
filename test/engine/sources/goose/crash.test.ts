import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openStore } from '../../../../src/engine/store/open-store'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { bundleChild, runKilledAfter, storeSnapshot as snapshot } from '../../../helpers/crash-child'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { GooseDb } from './support'

describe("crash consistency on Goose's sessions.db: a scanner killed mid-read resumes to the exact totals", () => {
  it('SIGKILL after some commits (the per-session cursor commits with the usage), then a rescan and more replies, equals one uninterrupted scan', async () => {
    const dir = tempDir()
    const root = join(dir, 'goose')
    const agent = new GooseDb(join(root, 'data', 'sessions', 'sessions.db'))
    agent.bulk(16_000, Date.parse('2026-03-01T00:00:00Z'))
    const sources = createLogSources({ env: { GOOSE_PATH_ROOT: root }, home: dir }).filter((s) => s.id === 'goose')

    const ref = openStore(join(dir, 'ref.db'))
    await scanLogs(ref, sources, () => null, { userId: 'tester' })

    const bundle = bundleChild(join(__dirname, 'crash-child.ts'), join(dir, 'child.cjs'))
    const storePath = join(dir, 'crashed.db')
    const kills = []
    for (const killAfter of [2, 2, 3]) kills.push(await runKilledAfter(bundle, [storePath, root], killAfter))
    expect(kills.map((k) => k.finished)).toEqual([false, false, false])

    const store = openStore(storePath)
    const partial = store.db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(16_001)
    expectAggregatesMatchLedger(store)
    await scanLogs(store, sources, () => null, { userId: 'tester' })
    expectAggregatesMatchLedger(store)
    expect(snapshot(store)).toEqual(snapshot(ref))
    // Sessions counted before the crash grow in place afterwards: only their growth adds, in both.
    for (const id of ['b000001', 'b008000', 'b015999']) agent.reply(id, Date.parse('2026-07-01T00:00:00Z'), 100, 10)
    await scanLogs(store, sources, () => null, { userId: 'tester' })
    await scanLogs(ref, sources, () => null, { userId: 'tester' })
    expectAggregatesMatchLedger(store)
    expect(snapshot(store)).toEqual(snapshot(ref))
    expect(store.db.prepare('SELECT count(*) FROM usage_events').pluck().get()).toBe(16_001 + 3)
    ref.close()
    store.close()
    agent.close()
  })
})
