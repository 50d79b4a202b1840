import { afterEach, describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join, sep } from 'node:path'
import { isInside, Tailer, type ChangedFile } from '../../../src/engine/live/tailer'
import { claudeParser } from '../../../src/engine/sources/claude-code/parser'
import type { LineParser, LogSource } from '../../../src/engine/sources/types'
import type { LogSourceId } from '../../../src/shared/sources'
import { tempDir } from '../../helpers/temp'
import { eventually } from '../../helpers/eventually'

/** A log source with one root: the tailer needs only its id, roots and file test. */
function source(id: LogSourceId, root: string): LogSource {
  return {
    id,
    readerOf: () => ({ kind: 'append', parser: claudeParser as LineParser<unknown> }),
    roots: () => [root],
    isLogFile: (p) => p.endsWith('.jsonl'),
    hint: '',
  }
}

const running: Tailer[] = []
afterEach(async () => {
  for (const t of running.splice(0)) await t.stop()
})

async function startTailer(sources: LogSource[], rootCheckMs = 100) {
  const seen: ChangedFile[] = []
  const deliveredAt: number[] = []
  let appeared = 0
  const onChange = (files: ChangedFile[]) => {
    seen.push(...files)
    deliveredAt.push(Date.now())
  }
  const tailer = new Tailer({ sources, onChange, onRootAppeared: () => appeared++, rootCheckMs })
  running.push(tailer)
  await tailer.start()
  return { seen, deliveredAt, appeared: () => appeared }
}

/** Each changed file once (one write may be seen as both an add and a change). */
const owners = (seen: ChangedFile[]) => [...new Map(seen.map((f) => [f.path, [f.source.id, f.root, f.path]])).values()]

describe('isInside: a path prefix that ends at a separator', () => {
  it('separates sibling folders whose names share a prefix', () => {
    expect(isInside(`${sep}x${sep}projects`, `${sep}x${sep}projects${sep}a.jsonl`)).toBe(true)
    expect(isInside(`${sep}x${sep}projects`, `${sep}x${sep}projects2${sep}a.jsonl`)).toBe(false)
    expect(isInside(`${sep}x${sep}projects`, `${sep}x${sep}projects`)).toBe(false)
    expect(isInside(`${sep}x${sep}projects${sep}`, `${sep}x${sep}projects${sep}a.jsonl`)).toBe(true)
    expect(isInside(`${sep}x${sep}projects`, `${sep}x${sep}proj`)).toBe(false)
  })
})

describe('tailer: real file events on temp folders', () => {
  it('a file in /x/projects2 belongs to the root /x/projects2, not to /x/projects', async () => {
    const dir = tempDir()
    const a = join(dir, 'projects')
    const b = join(dir, 'projects2')
    mkdirSync(a)
    mkdirSync(b)
    const t = await startTailer([source('claude-code', a), source('codex', b)])
    writeFileSync(join(b, 'in-b.jsonl'), '{}\n')
    await eventually(() => expect(owners(t.seen)).toEqual([['codex', b, join(b, 'in-b.jsonl')]]))
    writeFileSync(join(a, 'in-a.jsonl'), '{}\n')
    await eventually(() =>
      expect(owners(t.seen)).toEqual([
        ['codex', b, join(b, 'in-b.jsonl')],
        ['claude-code', a, join(a, 'in-a.jsonl')],
      ]),
    )
  })

  it('a root deleted and re-created is watched again', async () => {
    const dir = tempDir()
    const root = join(dir, 'projects')
    mkdirSync(join(root, 'p'), { recursive: true })
    const t = await startTailer([source('claude-code', root)])
    writeFileSync(join(root, 'p', 'a.jsonl'), '{}\n')
    await eventually(() => expect(t.seen.map((f) => f.path)).toEqual([join(root, 'p', 'a.jsonl')]))

    rmSync(root, { recursive: true })
    // Give the watcher time to see the folder go before it comes back.
    await new Promise((r) => setTimeout(r, 300))
    mkdirSync(join(root, 'q'), { recursive: true })
    writeFileSync(join(root, 'q', 'b.jsonl'), '{}\n')
    // The root check re-adds it and announces it (the engine rescans: b.jsonl is read then).
    await eventually(() => expect(t.appeared()).toBe(1))
    // Once watched again, new writes are events again.
    const before = t.seen.length
    await eventually(() => {
      appendFileSync(join(root, 'q', 'b.jsonl'), '{}\n')
      expect(t.seen.length).toBeGreaterThan(before)
    })
    expect(t.seen.slice(before).every((f) => f.path === join(root, 'q', 'b.jsonl') && f.root === root)).toBe(true)
  })

  it('the last write of a quick burst is reported, though chokidar drops changes inside its 50 ms throttle', async () => {
    const dir = tempDir()
    const root = join(dir, 'projects')
    mkdirSync(root)
    const log = join(root, 'a.jsonl')
    const t = await startTailer([source('claude-code', root)])
    writeFileSync(log, '{}\n')
    await eventually(() => expect(t.seen).toHaveLength(1))
    await new Promise((r) => setTimeout(r, 100))
    let last = 0
    for (let i = 0; i < 6; i++) {
      appendFileSync(log, '{}\n')
      last = Date.now()
      await new Promise((r) => setTimeout(r, 8))
    }
    // Some delivery comes after the last append, so a read then sees every line.
    await eventually(() => expect(t.deliveredAt.some((at) => at >= last)).toBe(true), 2000)
  })
})

describe('tailer: a walked root inside a flat one (Copilot: ~/.copilot flat, its session-state/ walked)', () => {
  it('files deep in the walked root are seen; the flat root sees its top files only', async () => {
    const home = join(tempDir(), 'copilot')
    const state = join(home, 'session-state')
    mkdirSync(join(state, 's1'), { recursive: true })
    mkdirSync(join(home, 'pkg', 'universal'), { recursive: true })
    const src: LogSource = {
      id: 'copilot-cli',
      readerOf: () => ({ kind: 'append', parser: claudeParser as LineParser<unknown> }),
      roots: () => [state, home],
      isLogFile: (p) => p.endsWith('.jsonl'),
      flat: (root) => root === home,
      hint: '',
    }
    const t = await startTailer([src])
    writeFileSync(join(home, 'pkg', 'universal', 'deep.jsonl'), '{}\n') // below the flat root: not watched
    writeFileSync(join(state, 's1', 'events.jsonl'), '{}\n')
    writeFileSync(join(home, 'top.jsonl'), '{}\n')
    await eventually(() =>
      expect(owners(t.seen).sort()).toEqual(
        [
          ['copilot-cli', home, join(home, 'top.jsonl')],
          ['copilot-cli', state, join(state, 's1', 'events.jsonl')],
        ].sort(),
      ),
    )
    // A session folder created later is walked too.
    mkdirSync(join(state, 's2'))
    writeFileSync(join(state, 's2', 'events.jsonl'), '{}\n')
    await eventually(() => expect(owners(t.seen).map((o) => o[2])).toContain(join(state, 's2', 'events.jsonl')))
    expect(owners(t.seen).map((o) => o[2])).not.toContain(join(home, 'pkg', 'universal', 'deep.jsonl'))
  })
})
