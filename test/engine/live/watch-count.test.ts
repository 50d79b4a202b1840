/**
 * The tailer's memory is bounded by the folders it watches, not the files: 2,000 log files in 20
 * folders hold one OS watch per folder (read from this process's inotify fdinfo on Linux), and
 * appends, new files and a folder made with files in it are all still seen.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Tailer, type ChangedFile } from '../../../src/engine/live/tailer'
import { claudeParser } from '../../../src/engine/sources/claude-code/parser'
import type { LineParser, LogSource } from '../../../src/engine/sources/types'
import { tempDir } from '../../helpers/temp'
import { eventually } from '../../helpers/eventually'

/** inotify watches this process holds, or null where /proc has no such thing. */
function inotifyWatches(): number | null {
  if (process.platform !== 'linux') return null
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    let link = ''
    try {
      link = readlinkSync(`/proc/self/fd/${fd}`)
    } catch {
      continue
    }
    if (link === 'anon_inode:inotify')
      n += readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length
  }
  return n
}

let tailer: Tailer | undefined
afterEach(async () => {
  await tailer?.stop()
  tailer = undefined
})

describe('tailer: a watch per folder, not per file', () => {
  it('2,000 files in 20 folders: about 21 OS watches; appends, new files and a new folder with files are seen', async () => {
    const root = join(tempDir(), 'projects')
    for (let f = 0; f < 20; f++) {
      mkdirSync(join(root, `p${f}`), { recursive: true })
      for (let i = 0; i < 100; i++) writeFileSync(join(root, `p${f}`, `s${i}.jsonl`), '{}\n')
    }
    const src: LogSource = {
      id: 'claude-code',
      readerOf: () => ({ kind: 'append', parser: claudeParser as LineParser<unknown> }),
      roots: () => [root],
      isLogFile: (p) => p.endsWith('.jsonl'),
      hint: '',
    }
    const before = inotifyWatches()
    const seen = new Set<string>()
    tailer = new Tailer({
      sources: [src],
      onChange: (files: ChangedFile[]) => files.forEach((f) => seen.add(f.path)),
      onRootAppeared: () => {},
    })
    await tailer.start()
    const after = inotifyWatches()
    if (before !== null && after !== null) expect(after - before).toBe(21) // the root and its 20 folders

    appendFileSync(join(root, 'p3', 's7.jsonl'), '{"more":1}\n')
    writeFileSync(join(root, 'p5', 'new.jsonl'), '{}\n')
    mkdirSync(join(root, 'fresh', 'sub'), { recursive: true })
    writeFileSync(join(root, 'fresh', 'a.jsonl'), '{}\n')
    writeFileSync(join(root, 'fresh', 'sub', 'b.jsonl'), '{}\n')
    writeFileSync(join(root, 'p1', 'notes.txt'), 'not a log')
    await eventually(() =>
      expect([...seen].sort()).toEqual(
        [
          join(root, 'fresh', 'a.jsonl'),
          join(root, 'fresh', 'sub', 'b.jsonl'),
          join(root, 'p3', 's7.jsonl'),
          join(root, 'p5', 'new.jsonl'),
        ].sort(),
      ),
    )
  })
})
