import { describe, expect, it } from 'vitest'
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { claudeRoots, codexRoots, createLogSources, sourceConfigFromEnv } from '../../../src/engine/sources/registry'
import { walkFiles } from '../../../src/engine/sources/walk'
import { tempDir } from '../../helpers/temp'

describe('source roots', () => {
  it('CLAUDE_CONFIG_DIR and CODEX_HOME are comma lists; blanks and spaces are dropped', () => {
    expect(sourceConfigFromEnv({ CLAUDE_CONFIG_DIR: ' /a , /b/projects ,, ', CODEX_HOME: '/c' })).toEqual({
      claudeConfigDirs: ['/a', '/b/projects'],
      codexHomes: ['/c'],
    })
    expect(sourceConfigFromEnv({})).toEqual({ claudeConfigDirs: [], codexHomes: [] })
    expect(sourceConfigFromEnv({ CLAUDE_CONFIG_DIR: '' })).toEqual({ claudeConfigDirs: [], codexHomes: [] })
  })

  it('defaults: ~/.config/claude/projects and ~/.claude/projects; ~/.codex sessions and archived_sessions', () => {
    expect(claudeRoots({ home: '/home/u' })).toEqual(['/home/u/.config/claude/projects', '/home/u/.claude/projects'])
    expect(claudeRoots({ home: '/home/u', claudeConfigDirs: [] })).toEqual(['/home/u/.config/claude/projects', '/home/u/.claude/projects'])
    expect(codexRoots({ home: '/home/u' })).toEqual(['/home/u/.codex/sessions', '/home/u/.codex/archived_sessions'])
  })

  it('a config dir gets projects/ appended; a projects/ dir is used as is; a config dir named projects keeps its own projects/', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'weird', 'projects', 'projects'), { recursive: true })
    expect(
      claudeRoots({ home: '/h', claudeConfigDirs: ['/x/.claude', '/y/projects', '/z/projects/', join(dir, 'weird', 'projects')] }),
    ).toEqual(['/x/.claude/projects', '/y/projects', '/z/projects', join(dir, 'weird', 'projects', 'projects')])
    // Relative entries resolve against the working directory.
    expect(claudeRoots({ claudeConfigDirs: ['rel/cfg'] })).toEqual([resolve('rel/cfg', 'projects')])
    expect(codexRoots({ codexHomes: ['/a', 'b'] })).toEqual([
      '/a/sessions',
      '/a/archived_sessions',
      resolve('b', 'sessions'),
      resolve('b', 'archived_sessions'),
    ])
  })

  it('both sources take .jsonl files only', () => {
    const [claude, codex] = createLogSources({ home: '/h' })
    expect([claude?.id, codex?.id]).toEqual(['claude-code', 'codex'])
    for (const s of [claude!, codex!]) {
      expect(s.isLogFile('/a/b.jsonl')).toBe(true)
      expect(s.isLogFile('/a/b.json')).toBe(false)
      expect(s.isLogFile('/a/b.jsonl.bak')).toBe(false)
      expect(s.hint.length).toBeGreaterThan(0)
    }
  })
})

describe('walkFiles', () => {
  it('lists matching files sorted, follows no symlinked folders, and survives loops', () => {
    const root = tempDir()
    mkdirSync(join(root, 'p', 'sub', 'deeper'), { recursive: true })
    for (const f of ['p/b.jsonl', 'p/a.jsonl', 'p/sub/deeper/c.jsonl', 'p/notes.txt']) writeFileSync(join(root, f), '')
    symlinkSync(root, join(root, 'p', 'loop'))
    symlinkSync(join(root, 'p', 'sub'), join(root, 'p', 'sub', 'deeper', 'up'))
    const errors: string[] = []
    const files = walkFiles(
      root,
      (p) => p.endsWith('.jsonl'),
      (p) => errors.push(p),
    )
    expect(files).toEqual([join(root, 'p/a.jsonl'), join(root, 'p/b.jsonl'), join(root, 'p/sub/deeper/c.jsonl')])
    expect(errors).toEqual([])
  })

  it('a missing root is not an error; an unreadable folder is reported and skipped', () => {
    const errors: string[] = []
    expect(
      walkFiles(
        join(tempDir(), 'nope'),
        () => true,
        (p) => errors.push(p),
      ),
    ).toEqual([])
    expect(errors).toEqual([])

    const root = tempDir()
    mkdirSync(join(root, 'locked'))
    writeFileSync(join(root, 'locked', 'x.jsonl'), '')
    writeFileSync(join(root, 'ok.jsonl'), '')
    chmodSync(join(root, 'locked'), 0o000)
    try {
      const files = walkFiles(
        root,
        (p) => p.endsWith('.jsonl'),
        (p) => errors.push(p),
      )
      if (process.getuid?.() === 0) {
        expect(files).toHaveLength(2) // root reads it anyway
      } else {
        expect(files).toEqual([join(root, 'ok.jsonl')])
        expect(errors).toEqual([join(root, 'locked')])
      }
    } finally {
      chmodSync(join(root, 'locked'), 0o700)
    }
  })
})
