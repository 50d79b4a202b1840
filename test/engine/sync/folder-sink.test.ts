import { describe, expect, it } from 'vitest'
import { copyFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ReportQuery } from '../../../src/shared/contract'
import { applyBatch } from '../../../src/engine/ingest/apply-batch'
import { runReport } from '../../../src/engine/query/report'
import { machineIdentity, setMachineName } from '../../../src/engine/store/changes'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { machineFileName, myMachines, readMachinesFolder, removeOwnConflicts, writeMachineFile } from '../../../src/engine/sync/folder-sink'
import { reportOverMachines } from '../../../src/engine/sync/team-report'
import { tempDir } from '../../helpers/temp'
import { eventually } from '../../helpers/eventually'
import { Engine } from '../../../src/engine/live/engine'
import { liveSetup } from '../live/support'
import { event } from '../ingest/support'

const T0 = Date.parse('2026-03-01T00:00:00Z')
const Q = 15 * 60_000

function machine(name: string): Store {
  const s = openStore(join(tempDir(), 'tw.db'))
  setMachineName(s, name)
  return s
}

function work(s: Store, prefix: string, n: number, from = T0): void {
  applyBatch(
    s,
    [
      {
        events: Array.from({ length: n }, (_, i) =>
          event(`${prefix}-${i}`, from + i * Q, { userId: i % 2 ? 'ana' : 'bo', input: 10 + i, output: 3 + i }),
        ),
      },
    ],
    () => 2_000_000,
  )
}

const q: ReportQuery = { tz: 'Australia/Adelaide', groupBy: ['day', 'user'] }

/** The "my machines" report from `s`'s point of view equals the sum of the machines' own reports. */
function expectMyMachinesEqual(s: Store, dir: string, stores: Store[]): void {
  const byMachine: ReportQuery = { ...q, groupBy: ['machine', 'day', 'user'] }
  const view = reportOverMachines(myMachines(s, dir, 'basename').all, byMachine)
  const local = stores.flatMap((x) => runReport(x, byMachine).rows)
  const key = (r: object) => JSON.stringify(r)
  expect([...view.rows].sort((a, b) => (key(a) < key(b) ? -1 : 1))).toEqual(local.sort((a, b) => (key(a) < key(b) ? -1 : 1)))
  expect(view.totals.requests).toBe(stores.reduce((n, x) => n + runReport(x, q).totals.requests, 0))
}

describe('my machines through a synced folder', () => {
  it('the running engine writes its file into the machines folder after commits (settings.machinesFolder)', async () => {
    const s = liveSetup()
    const folder = tempDir()
    const engine = await Engine.open({ env: s.env, watch: false, autoBackup: false, teamSync: { debounceMs: 20, backoffMs: 50 } })
    try {
      await engine.start()
      await engine.updateSettings({ machinesFolder: folder })
      await engine.writer.submit([
        event('ext:a:1', T0, { source: 'socket', agentId: 'a' }),
        event('ext:a:2', T0 + Q, { source: 'socket', agentId: 'a' }),
      ])
      const other = machine('other')
      const count = () => readMachinesFolder(folder, machineIdentity(other).id).machines[0]?.rows.reduce((n, r) => n + (r[10] as number), 0)
      await eventually(() => expect(count()).toBe(2))
      await engine.writer.submit([event('ext:a:3', T0 + 2 * Q, { source: 'socket', agentId: 'a' })])
      await eventually(() => expect(count()).toBe(3))
      expectMyMachinesEqual(other, folder, [other, engine.store])
      other.close()
    } finally {
      await engine.stop()
    }
  })

  it('each machine writes only its own file, atomically; each reads the others; a re-write without changes writes nothing', () => {
    const dir = tempDir()
    const laptop = machine('laptop')
    const desktop = machine('desktop')
    work(laptop, 'l', 20)
    work(desktop, 'd', 9, T0 + 7 * Q)
    expect(writeMachineFile(laptop, dir, 'basename')).toMatchObject({ rows: 20, written: true })
    expect(writeMachineFile(desktop, dir, 'basename')).toMatchObject({ rows: 9, written: true })
    expect(readdirSync(dir).sort()).toEqual(
      [machineFileName(machineIdentity(desktop).id), machineFileName(machineIdentity(laptop).id)].sort(),
    )
    expect(statSync(join(dir, machineFileName(machineIdentity(laptop).id))).mode & 0o777).toBe(0o600)
    expectMyMachinesEqual(laptop, dir, [laptop, desktop])
    expectMyMachinesEqual(desktop, dir, [laptop, desktop])
    expect(writeMachineFile(laptop, dir, 'basename').written).toBe(false)
    work(laptop, 'l2', 3, T0 + 50 * Q)
    expect(writeMachineFile(laptop, dir, 'basename')).toMatchObject({ rows: 23, written: true })
    expectMyMachinesEqual(desktop, dir, [laptop, desktop])
  })

  it('a half-written file is skipped and reported while the newest complete state counts; a conflicted copy resolves to the newest complete state', () => {
    const dir = tempDir()
    const laptop = machine('laptop')
    const desktop = machine('desktop')
    work(laptop, 'l', 12)
    work(desktop, 'd', 5)
    writeMachineFile(laptop, dir, 'basename')
    writeMachineFile(desktop, dir, 'basename')
    const deskFile = join(dir, machineFileName(machineIdentity(desktop).id))
    // The sync tool kept the old state as a Syncthing conflict copy, then the desktop moved on.
    const oldCopy = deskFile.replace(/\.json$/, '.sync-conflict-20261203-101500-ABCDEF1.json')
    copyFileSync(deskFile, oldCopy)
    work(desktop, 'd2', 4, T0 + 40 * Q)
    writeMachineFile(desktop, dir, 'basename')
    // ...and a Dropbox-style conflicted copy of the newest state arrived cut off half-way.
    const text = readFileSync(deskFile, 'utf8')
    const half = join(dir, `tokenwatch-${machineIdentity(desktop).id} (ana's conflicted copy 2026-12-03).json`)
    writeFileSync(half, text.slice(0, Math.floor(text.length / 2)))
    // A copy whose rows were altered fails its checksum.
    const altered = JSON.parse(text) as { rows: number[][]; changeSeq: number }
    altered.rows[0]![6] = 999_999
    altered.changeSeq += 10
    writeFileSync(join(dir, `tokenwatch-${machineIdentity(desktop).id}.sync-conflict-20261203-111111-XYZ.json`), JSON.stringify(altered))
    const read = readMachinesFolder(dir, machineIdentity(laptop).id)
    expect(read.conflicts).toHaveLength(3)
    expect(read.skipped.map((s) => s.error).sort()).toEqual([
      'checksum mismatch (incomplete or altered)',
      'not complete JSON (half-written?)',
    ])
    expect(read.machines).toHaveLength(1)
    expect(read.machines[0]).toMatchObject({ name: 'desktop', file: machineFileName(machineIdentity(desktop).id) })
    expectMyMachinesEqual(laptop, dir, [laptop, desktop])
    // When the only complete state is the conflicted copy (the main file half-written), it counts.
    writeFileSync(deskFile, text.slice(0, 100))
    const fallback = readMachinesFolder(dir, machineIdentity(laptop).id)
    expect(fallback.machines[0]?.file).toBe(
      machineFileName(machineIdentity(desktop).id).replace(/\.json$/, '.sync-conflict-20261203-101500-ABCDEF1.json'),
    )
    expect(fallback.machines[0]?.rows.reduce((n, r) => n + (r[10] as number), 0)).toBe(5)
    // The desktop's next write puts its file right and removes the copies of its own file.
    writeMachineFile(desktop, dir, 'basename')
    expect(removeOwnConflicts(dir, machineIdentity(desktop).id)).toHaveLength(3)
    expectMyMachinesEqual(laptop, dir, [laptop, desktop])
    expect(readMachinesFolder(dir).skipped).toEqual([])
  })
})
