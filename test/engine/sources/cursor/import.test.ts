import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createEngineApi } from '../../../../src/engine/api'
import { Engine } from '../../../../src/engine/live/engine'
import { runReport } from '../../../../src/engine/query/report'
import { validateCall as parseCall } from '../../../../src/engine/schema/contract'
import { tempDir } from '../../../helpers/temp'
import { CSV, CSV_HEADER, CursorDb } from './support'

describe('cursor: importing the dashboard usage export through the contract', () => {
  it('importCursorUsage puts the picked file in the import folder and counts it at once; the same export again adds nothing; other files are refused clearly', async () => {
    const dir = tempDir()
    const data = join(dir, 'Cursor')
    const cursor = new CursorDb(join(data, 'User', 'globalStorage', 'state.vscdb'))
    // The same request Cursor also recorded locally (no cache figures): the CSV replaces it.
    cursor.bubble('c1', 'b1', { at: '2025-11-13T18:36:04.000Z', input: 700, output: 21000 })
    cursor.bubble('c1', 'b2', { at: '2025-11-12T08:00:00.000Z', input: 30, output: 3 })
    cursor.close()
    const tw = join(dir, 'tw')
    const engine = await Engine.open({ env: { TOKENWATCH_HOME: tw, HOME: dir, CURSOR_DATA_DIR: data }, watch: false })
    try {
      await engine.start()
      const api = createEngineApi(engine)
      const totals = () => runReport(engine.store, { tz: 'UTC', groupBy: [], sources: ['cursor'] }).totals
      expect([totals().requests, totals().input, totals().output]).toEqual([2, 730, 21003])
      const done = await api.importCursorUsage({ csv: CSV, name: 'usage-events-2025-11-13.csv' })
      expect(done).toEqual({ file: 'usage-events-2025-11-13.csv', requests: 2, days: ['2025-11-13'], skipped: 0 })
      expect(readFileSync(join(tw, 'cursor-usage', done.file), 'utf8')).toBe(CSV)
      expect([totals().requests, totals().input, totals().output, totals().cacheRead, totals().cacheWrite]).toEqual([
        3,
        30 + 775 + 8263,
        3 + 21282 + 1612,
        105891 + 66964,
        28342,
      ])
      // The same export picked again (same name, same text) and under another name: counted once.
      await api.importCursorUsage({ csv: CSV, name: 'usage-events-2025-11-13.csv' })
      const again = await api.importCursorUsage({ csv: CSV, name: '../../etc/usage events.CSV' })
      expect(again.file).toBe('usage-events.csv')
      // A different export under a taken name gets the next free one.
      const other = await api.importCursorUsage({
        csv: `${CSV_HEADER}\n"2025-11-14T10:00:00.000Z","Included","auto","No","0","10","0","5","15","0"\n`,
        name: 'usage-events-2025-11-13.csv',
      })
      expect(other.file).toBe('usage-events-2025-11-13-2.csv')
      expect(readdirSync(join(tw, 'cursor-usage')).sort()).toEqual([
        'usage-events-2025-11-13-2.csv',
        'usage-events-2025-11-13.csv',
        'usage-events.csv',
      ])
      expect(totals().requests).toBe(4)
      await expect(
        api.importCursorUsage({ csv: 'usage_date_utc,model,uncached_input_tokens,output_tokens\n2026-11-02,claude,1,1\n' }),
      ).rejects.toThrow(
        "not imported: not Cursor's usage export (headers: usage_date_utc, model, uncached_input_tokens, output_tokens); export it from Cursor's dashboard (Usage, Export CSV)",
      )
      await expect(api.importCursorUsage({ csv: 'when,what\n2026-11-02,lunch\n' })).rejects.toThrow(
        /not imported: not Cursor's usage export \(headers: when, what\)/,
      )
      await expect(api.importCursorUsage({ csv: `${CSV_HEADER}\n` })).rejects.toThrow('not imported: the export has no usage rows')
    } finally {
      await engine.stop()
    }
  })

  it('the HTTP API validates the call: the text must be a non-empty string, the name optional', () => {
    expect(parseCall('importCursorUsage', { csv: 'a', name: 'b.csv' })).toEqual({
      method: 'importCursorUsage',
      arg: { csv: 'a', name: 'b.csv' },
    })
    expect(parseCall('importCursorUsage', { csv: 'a' })).toEqual({ method: 'importCursorUsage', arg: { csv: 'a' } })
    expect(() => parseCall('importCursorUsage', { csv: '' })).toThrow(/arg.csv/)
    expect(() => parseCall('importCursorUsage', { csv: 'a', path: '/etc/passwd' })).toThrow()
  })
})
