import { describe, expect, it } from 'vitest'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSettings, validateSettingsPatch } from '../../src/engine/settings'
import { validateCall } from '../../src/engine/schema/contract'
import { emptyLogFolders } from '../../src/shared/sources'
import { tempDir } from '../helpers/temp'

/** The contract's check of a setSettings argument, as HTTP and IPC apply it. */
const settingsPatch = (v: unknown) => validateCall('setSettings', v).arg

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
    expect(validateSettingsPatch({ logFolders: { 'gemini-cli': ['/g'] }, disabledSources: ['opencode'] })).toEqual({
      ok: true,
      value: { logFolders: { 'gemini-cli': ['/g'] }, disabledSources: ['opencode'] },
    })
    expect(validateSettingsPatch({ logFolders: { gemini: ['/g'] } })).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown source "gemini"') as string,
    })
    expect(validateSettingsPatch({ logFolders: { codex: '/x' } })).toEqual({
      ok: false,
      error: 'logFolders.codex: must be a list of folders',
    })
    expect(validateSettingsPatch({ disabledSources: ['socket'] })).toMatchObject({ ok: false })
    // The contract's validator agrees, and still takes the old names.
    expect(settingsPatch({ codexHomes: ['/c'], logFolders: { opencode: ['/o'] } })).toEqual({
      logFolders: { codex: ['/c'], opencode: ['/o'] },
    })
    expect(() => settingsPatch({ logFolders: { nope: [] } })).toThrow(/logFolders\.nope/)
  })

  it('refuses a misspelt field in the settings file exactly as the contract refuses it (one schema)', () => {
    const p = join(tempDir(), 'settings.json')
    const misspelt = { priceOverrides: [{ model: 'my-model', input: 1, output: 2, cachRead: 0.1 }] }
    writeFileSync(p, JSON.stringify(misspelt))
    expect(() => loadSettings(p)).toThrow(`settings file ${p}: priceOverrides[0].cachRead: unknown field`)
    expect(() => settingsPatch(misspelt)).toThrow('arg.priceOverrides[0].cachRead: unknown field')
    expect(validateSettingsPatch({ timeZone: 'Nowhere/City' })).toEqual({ ok: false, error: 'timeZone: unknown time zone "Nowhere/City"' })
    expect(() => settingsPatch({ timeZone: 'Nowhere/City' })).toThrow('arg.timeZone: unknown time zone "Nowhere/City"')
    expect(validateSettingsPatch({ timeZone: '', weekStart: null, dailyBudgetUsd: null })).toEqual({
      ok: true,
      value: { timeZone: '', weekStart: null, dailyBudgetUsd: null },
    })
  })
})
