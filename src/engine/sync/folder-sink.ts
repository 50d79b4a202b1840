import { createHash } from 'node:crypto'
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { TeamProjects } from '../../shared/contract'
import { currentChangeSeq, machineIdentity } from '../store/changes'
import type { Store } from '../store/open-store'
import { projectAs } from './outgoing'
import { labelMachines, type MachineRows, type WireRow } from './team-report'

/**
 * "My machines" through a folder a sync tool mirrors (Syncthing, Dropbox, iCloud Drive, a share).
 * Each machine writes only its own file, `tokenwatch-<machine id>.json`: its whole current state
 * (every quarter-hour row, absolute values) with a checksum, written to a temp file and renamed
 * over the old one, so a reader sees the old state or the new one, never half of either. Readers
 * take every file whose content checks out, including the conflicted copies sync tools leave,
 * and keep, per machine, the newest complete state (highest change sequence).
 */

const FORMAT = 'tokenwatch-machine'
const VERSION = 1

/** The file a machine writes. */
export function machineFileName(machineId: string): string {
  return `tokenwatch-${machineId}.json`
}

interface MachineFile {
  format: typeof FORMAT
  version: number
  machineId: string
  name: string
  projects: TeamProjects
  /** The store's change sequence this state reflects: a newer state has a larger one. */
  changeSeq: number
  writtenAt: number
  rows: WireRow[]
  /** sha256 of JSON.stringify(rows): a file cut short or spliced by a sync tool fails it. */
  checksum: string
}

function checksumOf(rows: WireRow[]): string {
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex')
}

export interface FolderWriteResult {
  file: string
  rows: number
  changeSeq: number
  /** False when the file already held this state (nothing written). */
  written: boolean
}

/** This machine's whole current state as wire rows (projects named by `projects`), with the change sequence it reflects. */
export function machineRows(store: Store, projects: TeamProjects): { rows: WireRow[]; seq: number } {
  return store.db.transaction(() => {
    const seq = currentChangeSeq(store)
    const byKey = new Map<string, WireRow>()
    for (const r of store.db
      .prepare(
        `SELECT bucket_start, source, user_id, agent_id, project, model, input, output, cache_read, cache_write,
        requests, cost_nusd, unpriced_tokens, unpriced_requests FROM usage_buckets ORDER BY 1, 2, 3, 4, 5, 6`,
      )
      .raw()
      .iterate() as Iterable<WireRow>) {
      const row = [...r] as WireRow
      row[4] = projectAs(projects, row[4])
      const k = row.slice(0, 6).join('\u0000')
      const prev = byKey.get(k)
      if (!prev) byKey.set(k, row)
      else for (let i = 6; i < 14; i++) prev[i] = (prev[i] as number) + (row[i] as number)
    }
    return { rows: [...byKey.values()], seq }
  })()
}

/**
 * The "my machines" view's input: this machine from its own store, the others from their newest
 * complete files in `dir`. Two machines with one name are told apart by their id.
 */
export function myMachines(store: Store, dir: string, projects: TeamProjects): FolderMachines & { all: MachineRows[] } {
  const me = machineIdentity(store)
  const read = readMachinesFolder(dir, me.id)
  const all = labelMachines([{ name: me.name, machineId: me.id, rows: machineRows(store, projects).rows }, ...read.machines])
  return { ...read, all }
}

/** Writes this machine's current state into `dir` (atomically), unless its file already holds it. */
export function writeMachineFile(store: Store, dir: string, projects: TeamProjects, now = Date.now()): FolderWriteResult {
  const me = machineIdentity(store)
  const file = join(dir, machineFileName(me.id))
  const { rows, seq } = machineRows(store, projects)
  const current = readMachineFile(file)
  if (current.ok && current.value.changeSeq === seq && current.value.name === me.name && current.value.projects === projects) {
    return { file, rows: rows.length, changeSeq: seq, written: false }
  }
  const body: MachineFile = {
    format: FORMAT,
    version: VERSION,
    machineId: me.id,
    name: me.name,
    projects,
    changeSeq: seq,
    writtenAt: now,
    rows,
    checksum: checksumOf(rows),
  }
  mkdirSync(dir, { recursive: true })
  // A dot name: sync tools and readers skip it until the rename makes it the machine's file.
  const tmp = join(dir, `.${machineFileName(me.id)}.${process.pid}.tmp`)
  const fd = openSync(tmp, 'w', 0o600)
  try {
    writeSync(fd, JSON.stringify(body))
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
  renameSync(tmp, file)
  return { file, rows: rows.length, changeSeq: seq, written: true }
}

type ReadResult = { ok: true; value: MachineFile } | { ok: false; error: string }

/** Reads and checks one machine file; a half-written or foreign file is an error value, not a throw. */
export function readMachineFile(path: string): ReadResult {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    return { ok: false, error: (err as NodeJS.ErrnoException).code ?? 'unreadable' }
  }
  let v: Partial<MachineFile>
  try {
    v = JSON.parse(text) as Partial<MachineFile>
  } catch {
    return { ok: false, error: 'not complete JSON (half-written?)' }
  }
  if (v.format !== FORMAT || typeof v.machineId !== 'string' || !Array.isArray(v.rows) || typeof v.changeSeq !== 'number') {
    return { ok: false, error: 'not a Token Watch machine file' }
  }
  if (v.version !== VERSION) return { ok: false, error: `machine file version ${String(v.version)} (this Token Watch reads ${VERSION})` }
  const rowsOk = v.rows.every(
    (r) =>
      Array.isArray(r) &&
      r.length === 14 &&
      typeof r[0] === 'number' &&
      r.slice(1, 6).every((x) => typeof x === 'string') &&
      r.slice(6).every((x) => Number.isSafeInteger(x)),
  )
  if (!rowsOk || checksumOf(v.rows) !== v.checksum) return { ok: false, error: 'checksum mismatch (incomplete or altered)' }
  return { ok: true, value: v as MachineFile }
}

/** A name a machine file, or a sync tool's conflicted copy of one, can have. */
const MACHINE_FILE = /^tokenwatch-[0-9a-f-]{36}.*\.json$/i

/** Whether a folder entry is a machine file or a conflicted copy of one (temp files are dot-named). */
export function isMachineFileName(name: string): boolean {
  return MACHINE_FILE.test(name)
}

/** The kinds of conflicted copy recognised: Syncthing's `.sync-conflict-…` and Dropbox-style "conflicted copy". */
export function isConflictedCopy(name: string): boolean {
  return /\.sync-conflict-/i.test(name) || /conflicted copy/i.test(name)
}

export interface FolderMachines {
  machines: (Omit<MachineRows, 'label'> & { changeSeq: number; file: string })[]
  /** Files skipped, with why (a half-written file, a foreign one). */
  skipped: { file: string; error: string }[]
  /** Conflicted copies seen (their content counts only where it is the newest complete state). */
  conflicts: string[]
}

/**
 * Reads every machine's newest complete state from `dir`; `exceptMachine` (this machine, read
 * from its own store instead) is left out.
 */
export function readMachinesFolder(dir: string, exceptMachine?: string): FolderMachines {
  const out: FolderMachines = { machines: [], skipped: [], conflicts: [] }
  const best = new Map<string, MachineFile & { file: string }>()
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (err) {
    throw new Error(`cannot read the machines folder ${dir}: ${(err as Error).message}`)
  }
  for (const name of names.sort()) {
    if (!MACHINE_FILE.test(name)) continue
    if (isConflictedCopy(name)) out.conflicts.push(name)
    const r = readMachineFile(join(dir, name))
    if (!r.ok) {
      out.skipped.push({ file: name, error: r.error })
      continue
    }
    if (r.value.machineId === exceptMachine) continue
    const prev = best.get(r.value.machineId)
    if (!prev || r.value.changeSeq > prev.changeSeq || (r.value.changeSeq === prev.changeSeq && r.value.writtenAt > prev.writtenAt)) {
      best.set(r.value.machineId, { ...r.value, file: name })
    }
  }
  for (const m of best.values())
    out.machines.push({ name: m.name, machineId: m.machineId, changeSeq: m.changeSeq, file: m.file, rows: m.rows })
  return out
}

/**
 * Removes conflicted copies of this machine's own file: it alone writes that state, and its
 * current file is newer than any copy. Other machines' copies are theirs to resolve.
 */
export function removeOwnConflicts(dir: string, machineId: string): string[] {
  const gone: string[] = []
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`tokenwatch-${machineId}`) && isConflictedCopy(name)) {
      rmSync(join(dir, name), { force: true })
      gone.push(name)
    }
  }
  return gone
}
