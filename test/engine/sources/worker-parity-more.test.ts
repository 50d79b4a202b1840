import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { generateMixedTree } from '../../../bench/gen-mixed-tree.mjs'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { openStore } from '../../../src/engine/store/open-store'
import { tempDir } from '../../helpers/temp'
import { parseWorkerScript } from '../../helpers/parse-worker'
import { expectAggregatesMatchLedger } from '../ingest/support'

describe('pi, openclaw, codebuff and cline on the parse workers', () => {
  it("a mixed tree read on worker threads stores exactly what the main thread stores, and the generator's totals per source", async () => {
    const dir = tempDir()
    const tree = generateMixedTree(join(dir, 'tree'), { bytes: 2 * 1024 * 1024, seed: 4 })
    const env = Object.assign({ TOKENWATCH_HOME: join(dir, 'tw') }, ...Object.values(tree.sources).map((s) => s.env))
    const sources = createLogSources({ env, home: dir }).filter((s) => ['pi', 'openclaw', 'codebuff', 'gemini-cli', 'cline'].includes(s.id))
    const one = openStore(join(dir, 'one.db'))
    const two = openStore(join(dir, 'two.db'))
    const a = await scanLogs(one, sources, () => null, { userId: 'u', workers: 0 })
    const b = await scanLogs(two, sources, () => null, { userId: 'u', workers: 2, workerScript: parseWorkerScript(), workerMinBytes: 0 })
    expect(b.stages.workers).toBe(2)
    expect(b.stages.workerFiles).toBe(
      tree.sources.pi.files +
        tree.sources.openclaw.files +
        tree.sources.codebuff.files +
        tree.sources['gemini-cli'].files +
        tree.sources.cline.files,
    )
    const rows = (s: typeof one) => s.db.prepare('SELECT * FROM usage_events ORDER BY key').all()
    expect(rows(two)).toEqual(rows(one))
    expect(a.skipReasons).toEqual(b.skipReasons)
    for (const id of ['pi', 'openclaw', 'codebuff', 'cline'] as const) {
      const got = two.db
        .prepare(
          'SELECT sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead, sum(cache_write) AS cacheWrite, count(*) AS requests FROM usage_events WHERE source = ?',
        )
        .get(id)
      expect(got).toEqual(tree.sources[id].totals)
    }
    expectAggregatesMatchLedger(two)
    one.close()
    two.close()
  })
})
