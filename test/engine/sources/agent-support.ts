/** What the tests of the agents read from files share: a store, a scan of one source, a reopen, the live engine. */
import { join } from 'node:path'
import { expect } from 'vitest'
import type { LogSourceId } from '../../../src/shared/sources'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { Engine } from '../../../src/engine/live/engine'
import { runReport } from '../../../src/engine/query/report'
import { eventually } from '../../helpers/eventually'
import { tempDir } from '../../helpers/temp'
import { ledgerTotals } from '../ingest/support'

/** A store reading one source from the folders `env` names (and nothing from the test's home). */
export function agentStore(id: LogSourceId, env: NodeJS.ProcessEnv) {
  const dir = tempDir()
  const path = join(dir, 'tw.db')
  let store = openStore(path)
  const sources = createLogSources({ env, home: dir }).filter((s) => s.id === id)
  return {
    dir,
    sources,
    get store(): Store {
      return store
    },
    scan: () => scanLogs(store, sources, () => null, { userId: 'u' }),
    totals: () => ledgerTotals(store),
    rows: () =>
      store.db
        .prepare(
          `SELECT key, ts, model, project, session_id AS sessionId, input, output, cache_read AS cacheRead,
      cache_write AS cacheWrite FROM usage_events ORDER BY ts, key`,
        )
        .all() as Record<string, unknown>[],
    reopen() {
      store.close()
      store = openStore(path)
    },
    close: () => store.close(),
  }
}

export interface Figures {
  requests: number
  input: number
  output: number
  cacheRead?: number
}

function figures(e: Engine, id: LogSourceId, f: Figures): Figures {
  const t = runReport(e.store, { tz: 'UTC', groupBy: [], sources: [id] }).totals
  const out: Figures = { requests: t.requests, input: t.input, output: t.output }
  if (f.cacheRead !== undefined) out.cacheRead = t.cacheRead
  return out
}

/**
 * Live, then restart: the engine (watching) counts what `write` adds within three seconds; a
 * second engine on the same store reads no file again and reports the same figures.
 */
export async function liveThenRestart(
  id: LogSourceId,
  env: NodeJS.ProcessEnv,
  before: Figures,
  write: () => void,
  after: Figures,
): Promise<void> {
  const dir = tempDir()
  const full = { TOKENWATCH_HOME: join(dir, 'tw'), HOME: dir, ...env }
  const engine = await Engine.open({ env: full })
  try {
    await engine.start()
    expect(figures(engine, id, before)).toEqual(before)
    write()
    await eventually(() => expect(figures(engine, id, after)).toEqual(after), 3000)
  } finally {
    await engine.stop()
  }
  const again = await Engine.open({ env: full, watch: false })
  try {
    await again.start()
    expect(again.lastScan?.filesRead ?? 0).toBe(0)
    expect(figures(again, id, after)).toEqual(after)
  } finally {
    await again.stop()
  }
}

export { rng } from '../../helpers/rng'

export const line = (o: unknown): string => JSON.stringify(o) + '\n'
