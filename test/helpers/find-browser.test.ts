import { describe, expect, it } from 'vitest'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './temp'
import { findBrowser, MACHINE, NO_BROWSER, planBrowser, provisionBrowser, type BrowserProbes, type InstallStep } from './find-browser'

function fakeExecutable(dir: string, name: string): string {
  const p = join(dir, name)
  writeFileSync(p, '#!/bin/sh\n')
  chmodSync(p, 0o755)
  return p
}

/** A machine made of a set of executables; installers add to it. */
function machine(o: {
  exes?: string[]
  root?: boolean
  env?: NodeJS.ProcessEnv
  pw?: string | null
}): BrowserProbes & { exes: Set<string> } {
  const exes = new Set(o.exes ?? [])
  return {
    exes,
    env: o.env ?? { PATH: '/usr/local/bin:/usr/bin' },
    fixed: ['/usr/bin/chromium'],
    isExecutable: (p) => exes.has(p),
    isRoot: () => o.root ?? false,
    playwrightPath: () => (o.pw === null ? undefined : (o.pw ?? '/home/u/.cache/ms-playwright/chromium-1/chrome')),
  }
}

/** Runs provisionBrowser with installers that do (or do not) put a browser in place. */
function provision(m: ReturnType<typeof machine>, gives: Partial<Record<InstallStep, string>>) {
  const ran: InstallStep[] = []
  const got = provisionBrowser(m, (step) => {
    ran.push(step)
    const made = gives[step]
    if (made) m.exes.add(made)
  })
  return { got, ran }
}

describe('findBrowser', () => {
  it("prefers TOKENWATCH_CHROMIUM, then the fixed places, then PATH, then Playwright's download (real files)", () => {
    const dir = tempDir()
    const chrome = fakeExecutable(dir, 'google-chrome')
    const fixed = fakeExecutable(dir, 'debian-chromium')
    const pw = fakeExecutable(dir, 'pw-chrome')
    const none = { PATH: join(dir, 'nothing') }
    const real = (env: NodeJS.ProcessEnv, f: string[], pwPath?: string): BrowserProbes => ({
      ...MACHINE,
      env,
      fixed: f,
      playwrightPath: () => pwPath,
    })
    expect(findBrowser(real({ PATH: dir }, [], pw))).toBe(chrome)
    expect(findBrowser(real({ PATH: dir }, [fixed], pw))).toBe(fixed)
    expect(findBrowser(real({ ...none, TOKENWATCH_CHROMIUM: pw }, [fixed]))).toBe(pw)
    expect(findBrowser(real(none, [], pw))).toBe(pw)
  })

  it('finds nothing where there is nothing, and a non-executable file is not a browser', () => {
    const dir = tempDir()
    writeFileSync(join(dir, 'chromium'), 'not a program')
    const probes = (env: NodeJS.ProcessEnv): BrowserProbes => ({ ...MACHINE, env, fixed: [], playwrightPath: () => join(dir, 'missing') })
    expect(findBrowser(probes({ PATH: dir }))).toBeUndefined()
    expect(findBrowser(probes({ PATH: dir, TOKENWATCH_CHROMIUM: join(dir, 'chromium') }))).toBeUndefined()
  })
})

describe('provisionBrowser', () => {
  it('uses a browser already there and installs nothing', () => {
    const { got, ran } = provision(machine({ exes: ['/usr/bin/chromium', '/usr/bin/apt-get'], root: true }), {})
    expect(got).toEqual({ path: '/usr/bin/chromium' })
    expect(ran).toEqual([])
  })

  it("Debian as root: installs Debian's chromium with apt-get", () => {
    const m = machine({ exes: ['/usr/bin/apt-get'], root: true })
    expect(planBrowser(m)).toEqual({ kind: 'install', step: 'apt' })
    const { got, ran } = provision(m, { apt: '/usr/bin/chromium' })
    expect(got).toEqual({ path: '/usr/bin/chromium' })
    expect(ran).toEqual(['apt'])
  })

  it("Debian, not root: Playwright's own download (no apt-get without root)", () => {
    const pw = '/home/u/.cache/ms-playwright/chromium-1/chrome'
    const m = machine({ exes: ['/usr/bin/apt-get'], root: false })
    expect(planBrowser(m)).toEqual({ kind: 'install', step: 'playwright' })
    const { got, ran } = provision(m, { playwright: pw })
    expect(got).toEqual({ path: pw })
    expect(ran).toEqual(['playwright'])
  })

  it("root without apt-get (another distribution, macOS): Playwright's download", () => {
    const pw = '/root/.cache/ms-playwright/chromium-1/chrome'
    const { got, ran } = provision(machine({ root: true, pw }), { playwright: pw })
    expect(got).toEqual({ path: pw })
    expect(ran).toEqual(['playwright'])
  })

  it("apt-get that gives no browser (no network, no package): then Playwright's download", () => {
    const pw = '/root/.cache/ms-playwright/chromium-1/chrome'
    const { got, ran } = provision(machine({ exes: ['/usr/bin/apt-get'], root: true, pw }), { playwright: pw })
    expect(got).toEqual({ path: pw })
    expect(ran).toEqual(['apt', 'playwright'])
  })

  it('nothing worked: one clear line saying what to install, each step tried once', () => {
    const { got, ran } = provision(machine({ exes: ['/usr/bin/apt-get'], root: true }), {})
    expect(ran).toEqual(['apt', 'playwright'])
    expect(got).toEqual({ message: NO_BROWSER })
    expect(NO_BROWSER.split('\n')).toHaveLength(1)
    expect(NO_BROWSER).toContain('apt-get install chromium')
    expect(NO_BROWSER).toContain('npx playwright-core install chromium')
  })

  it('a platform Playwright has no build for, not root: says what to install without trying', () => {
    const { got, ran } = provision(machine({ pw: null }), {})
    expect(ran).toEqual([])
    expect(got).toEqual({ message: NO_BROWSER })
  })

  it('a TOKENWATCH_CHROMIUM that is not a browser is named, and nothing is installed over it', () => {
    const m = machine({
      exes: ['/usr/bin/apt-get', '/usr/bin/chromium'],
      root: true,
      env: { PATH: '/usr/bin', TOKENWATCH_CHROMIUM: '/opt/none' },
    })
    const { got, ran } = provision(m, {})
    expect(ran).toEqual([])
    expect(got).toEqual({ message: `TOKENWATCH_CHROMIUM=/opt/none is not an executable browser. ${NO_BROWSER}` })
  })

  it('a Chrome on PATH is used (found, not installed)', () => {
    const { got, ran } = provision(machine({ exes: ['/usr/local/bin/google-chrome'] }), {})
    expect(got).toEqual({ path: '/usr/local/bin/google-chrome' })
    expect(ran).toEqual([])
  })
})
