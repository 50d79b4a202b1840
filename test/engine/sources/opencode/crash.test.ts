import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openStore } from '../../../../src/engine/store/open-store'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'
import { bundleChild, runKilledAfter, storeSnapshot as snapshot } from '../../../helpers/crash-child'
import { tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { OpenCodeDb } from './support'

describe('crash consistency on a database source: a scanner killed mid-read resumes to the exact totals', () => {
  it('SIGKILL after several commits of opencode.db, then a rescan, equals one uninterrupted scan', async () => {
    const dir = tempDir()
    const agent = new OpenCodeDb(join(dir, 'oc', 'opencode.db'))
    agent.session('s1')
    agent.bulk('s1', 20_000, Date.parse('2026-03-01T00:00:00Z'))
    const sources = createLogSources({ env: { OPENCODE_DB: agent.path }, home: dir }).filter((s) => s.id === 'opencode')
    const ref = openStore(join(dir, 'ref.db'))
    await scanLogs(ref, sources, () => null, { userId: 'tester' })
    const expected = snapshot(ref)
    ref.close()
    expect(expected.events).toHaveLength(20_000)

    const bundle = bundleChild(join(__dirname, 'crash-child.ts'), join(dir, 'child.cjs'))
    const storePath = join(dir, 'crashed.db')
    const kills = []
    for (const killAfter of [2, 3, 2]) kills.push(await runKilledAfter(bundle, [storePath, agent.path], killAfter))
    expect(kills.map((k) => k.finished)).toEqual([false, false, false])

    const store = openStore(storePath)
    const partial = store.db.prepare('SELECT count(*) FROM usage_events').pluck().get() as number
    expect(partial).toBeGreaterThan(0)
    expect(partial).toBeLessThan(20_000)
    expectAggregatesMatchLedger(store)
    await scanLogs(store, sources, () => null, { userId: 'tester' })
    expectAggregatesMatchLedger(store)
    expect(snapshot(store)).toEqual(expected)
    store.close()
    agent.close()
  })
})
