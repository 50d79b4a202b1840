import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSettings, validateSettingsPatch } from '../../src/engine/settings'
import { settingsPatch } from '../../src/engine/web/validate'
import { emptyLogFolders } from '../../src/shared/sources'
import { tempDir } from '../helpers/temp'

describe('settings: one logFolders list per source, from the one list of sources', () => {
  it('reads a settings.json written before logFolders (claudeConfigDirs / codexHomes) into it', () => {
    const p = join(tempDir(), 'settings.json')
    writeFileSync(p, JSON.stringify({ timeZone: '', claudeConfigDirs: ['/a/.claude'], codexHomes: ['/b/.codex'], paused: false }))
    const s = loadSettings(p)
    expect(s.logFolders).toEqual({ ...emptyLogFolders(), 'claude-code': ['/a/.claude'], codex: ['/b/.codex'] })
    expect(s.disabledSources).toEqual([])
    expect('claudeConfigDirs' in s).toBe(false)
  })

  it('checks ids and lists; a source can be switched off', () => {
    expect(validateSettingsPatch({ logFolders: { 'gemini-cli': ['/g'] }, disabledSources: ['opencode'] }))
      .toEqual({ ok: true, value: { logFolders: { 'gemini-cli': ['/g'] }, disabledSources: ['opencode'] } })
    expect(validateSettingsPatch({ logFolders: { gemini: ['/g'] } })).toMatchObject({ ok: false, error: expect.stringContaining('unknown source "gemini"') as string })
    expect(validateSettingsPatch({ logFolders: { codex: '/x' } })).toEqual({ ok: false, error: 'logFolders: codex: must be a list of folders' })
    expect(validateSettingsPatch({ disabledSources: ['socket'] })).toMatchObject({ ok: false })
    // The contract's validator agrees, and still takes the old names.
    expect(settingsPatch({ codexHomes: ['/c'], logFolders: { opencode: ['/o'] } })).toEqual({ logFolders: { codex: ['/c'], opencode: ['/o'] } })
    expect(() => settingsPatch({ logFolders: { nope: [] } })).toThrow(/logFolders\.nope/)
  })
})
