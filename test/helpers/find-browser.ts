/** Which Chrome/Chromium the browser tests drive, and how a fresh machine gets one. */
import { spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { chromium } from 'playwright-core'
import { assertNever } from '../../src/shared/assert-never'

/** The one line said when no browser is found and none could be installed. */
export const NO_BROWSER =
  'The browser tests need Chromium or Chrome: install `chromium` (Debian/Ubuntu: `sudo apt-get install chromium`), or Google Chrome, or run `npx playwright-core install chromium`; or set TOKENWATCH_CHROMIUM=/path/to/chrome.'

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']

/** What the machine looks like; injected so each decision can be tested. */
export interface BrowserProbes {
  env: NodeJS.ProcessEnv
  /** Absolute places tried before PATH (Debian's /usr/bin/chromium). */
  fixed: string[]
  isExecutable(path: string): boolean
  isRoot(): boolean
  /** Where Playwright's own download of Chromium lives (it may not exist). */
  playwrightPath(): string | undefined
}

/** The ways a browser can be installed, tried at most once each. */
export type InstallStep = 'apt' | 'playwright'

export type BrowserPlan = { kind: 'found'; path: string } | { kind: 'install'; step: InstallStep } | { kind: 'none'; message: string }

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

function playwrightPath(): string | undefined {
  try {
    return chromium.executablePath()
  } catch {
    return undefined // no build for this platform
  }
}

/** The real machine. */
export const MACHINE: BrowserProbes = {
  env: process.env,
  fixed: ['/usr/bin/chromium'],
  isExecutable,
  isRoot: () => process.getuid?.() === 0,
  playwrightPath,
}

/**
 * TOKENWATCH_CHROMIUM (and nothing else when it is set), then the fixed places, then a
 * Chrome/Chromium on PATH, then Playwright's downloaded Chromium; undefined when there is none.
 */
export function findBrowser(p: BrowserProbes = MACHINE): string | undefined {
  const given = p.env.TOKENWATCH_CHROMIUM
  if (given) return p.isExecutable(given) ? given : undefined
  for (const f of p.fixed) if (p.isExecutable(f)) return f
  for (const dir of (p.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (p.isExecutable(join(dir, name))) return join(dir, name)
  }
  const pw = p.playwrightPath()
  return pw && p.isExecutable(pw) ? pw : undefined
}

/** The browser found, or the one line that says what to install; installs nothing. */
export function locateBrowser(p: BrowserProbes = MACHINE): { path: string } | { message: string } {
  const found = findBrowser(p)
  if (found) return { path: found }
  const given = p.env.TOKENWATCH_CHROMIUM
  return { message: given ? `TOKENWATCH_CHROMIUM=${given} is not an executable browser. ${NO_BROWSER}` : NO_BROWSER }
}

function onPath(p: BrowserProbes, name: string): boolean {
  return (p.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .some((d) => p.isExecutable(join(d, name)))
}

/**
 * The next thing to do: use the browser found; else, on Debian as root (apt-get there), install
 * Debian's `chromium`; else (or when apt did not give one) Playwright's own download, where
 * Playwright has a build for this platform; else say what to install.
 */
export function planBrowser(p: BrowserProbes, tried: ReadonlySet<InstallStep> = new Set()): BrowserPlan {
  const here = locateBrowser(p)
  if ('path' in here) return { kind: 'found', path: here.path }
  if (p.env.TOKENWATCH_CHROMIUM) return { kind: 'none', message: here.message } // the user's choice, not replaced
  if (!tried.has('apt') && p.isRoot() && onPath(p, 'apt-get')) return { kind: 'install', step: 'apt' }
  if (!tried.has('playwright') && p.playwrightPath() !== undefined) return { kind: 'install', step: 'playwright' }
  return { kind: 'none', message: NO_BROWSER }
}

/** Runs one install step; what it prints goes to stderr. */
export type Installer = (step: InstallStep) => void

const quiet = { stdio: ['ignore', 'ignore', 'inherit'] as ('ignore' | 'inherit')[] }

/** The real installers: apt-get (as root) and `playwright-core install chromium`. */
export const INSTALL: Installer = (step) => {
  switch (step) {
    case 'apt': {
      process.stderr.write("Installing Debian's chromium for the browser tests (apt-get install chromium)…\n")
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
      spawnSync('apt-get', ['update', '-q'], { ...quiet, env, timeout: 300_000 })
      spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'chromium'], { ...quiet, env, timeout: 600_000 })
      return
    }
    case 'playwright': {
      process.stderr.write("Downloading Playwright's Chromium for the browser tests (npx playwright-core install chromium)…\n")
      const cli = join(__dirname, '..', '..', 'node_modules', 'playwright-core', 'cli.js')
      spawnSync(process.execPath, [cli, 'install', 'chromium'], { ...quiet, timeout: 300_000 })
      return
    }
    default:
      assertNever(step)
  }
}

/**
 * Makes sure a browser is there, installing one if it must: returns its path, or the one line
 * that says what to install.
 */
export function provisionBrowser(p: BrowserProbes = MACHINE, install: Installer = INSTALL): { path: string } | { message: string } {
  const tried = new Set<InstallStep>()
  for (;;) {
    const plan = planBrowser(p, tried)
    switch (plan.kind) {
      case 'found':
        return { path: plan.path }
      case 'none':
        return { message: plan.message }
      case 'install':
        tried.add(plan.step)
        install(plan.step)
        break
      default:
        assertNever(plan)
    }
  }
}
