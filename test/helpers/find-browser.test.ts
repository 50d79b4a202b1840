import { describe, expect, it } from 'vitest'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './temp'
import { findBrowser, NO_BROWSER } from './find-browser'

function fakeExecutable(dir: string, name: string): string {
  const p = join(dir, name)
  writeFileSync(p, '#!/bin/sh\n')
  chmodSync(p, 0o755)
  return p
}

describe('findBrowser', () => {
  it('prefers TOKENWATCH_CHROMIUM, then the fixed places, then PATH, then Playwright\'s download', () => {
    const dir = tempDir()
    const chrome = fakeExecutable(dir, 'google-chrome')
    const fixed = fakeExecutable(dir, 'debian-chromium')
    const pw = fakeExecutable(dir, 'pw-chrome')
    const none = { PATH: join(dir, 'nothing') }
    expect(findBrowser({ env: { PATH: dir }, fixed: [], playwright: () => pw })).toBe(chrome)
    expect(findBrowser({ env: { PATH: dir }, fixed: [fixed], playwright: () => pw })).toBe(fixed)
    expect(findBrowser({ env: { ...none, TOKENWATCH_CHROMIUM: pw }, fixed: [fixed] })).toBe(pw)
    expect(findBrowser({ env: none, fixed: [], playwright: () => pw })).toBe(pw)
  })

  it('finds nothing where there is nothing, and a non-executable file is not a browser', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'chromium'), 'not a program')
    expect(findBrowser({ env: { PATH: dir }, fixed: [], playwright: () => join(dir, 'missing') })).toBeUndefined()
    expect(findBrowser({ env: { PATH: dir, TOKENWATCH_CHROMIUM: join(dir, 'chromium') } })).toBeUndefined()
    expect(NO_BROWSER.split('\n')).toHaveLength(1)
    expect(NO_BROWSER).toContain('apt-get install chromium')
  })
})
