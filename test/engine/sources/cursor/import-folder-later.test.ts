import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { eventually } from '../../../helpers/eventually'
import { tempDir } from '../../../helpers/temp'
import { CSV } from './support'

describe('cursor: the import folder', () => {
  it('made after the engine started (no Cursor on this machine, no export yet), an export dropped in it counts live', async () => {
    const dir = tempDir()
    const tw = join(dir, 'tw')
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: tw, HOME: dir, CURSOR_DATA_DIR: join(dir, 'Cursor') } })
    try {
      await engine.start()
      const requests = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['cursor'] }).totals.requests
      expect(requests()).toBe(0)
      mkdirSync(join(tw, 'cursor-usage'), { recursive: true })
      writeFileSync(join(tw, 'cursor-usage', 'usage.csv'), CSV)
      await eventually(() => expect(requests()).toBe(2), 5000)
    } finally {
      await engine.stop()
    }
  })
})
