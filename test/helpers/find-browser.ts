/** Which Chrome/Chromium the browser tests drive, and how a fresh machine gets one. */
import { spawnSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'

/** The one line said when no browser is found or can be installed. */
export const NO_BROWSER =
  'The browser tests need Chromium or Chrome: install `chromium` (Debian: `apt-get install chromium`), or Google Chrome, or run `npx playwright-core install chromium`; or set TOKENWATCH_CHROMIUM=/path/to/chrome.'

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'chrome']

function executable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export interface FindOptions {
  env?: NodeJS.ProcessEnv
  /** Absolute places tried first (default: Debian's /usr/bin/chromium). */
  fixed?: string[]
  /** Playwright's own download, where one was made (default: asked of playwright-core). */
  playwright?: () => string | undefined
}

function playwrightDownload(): string | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { chromium } = require('playwright-core') as typeof import('playwright-core')
    return chromium.executablePath()
  } catch {
    return undefined
  }
}

/**
 * TOKENWATCH_CHROMIUM, then /usr/bin/chromium, then a Chrome/Chromium on PATH, then Playwright's
 * downloaded Chromium; undefined when there is none.
 */
export function findBrowser(o: FindOptions = {}): string | undefined {
  const env = o.env ?? process.env
  const given = env.TOKENWATCH_CHROMIUM
  if (given) return executable(given) ? given : undefined
  for (const p of o.fixed ?? ['/usr/bin/chromium']) if (executable(p)) return p
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    for (const name of NAMES) if (executable(join(dir, name))) return join(dir, name)
  }
  const pw = (o.playwright ?? playwrightDownload)()
  return pw && existsSync(pw) && executable(pw) ? pw : undefined
}

/**
 * Makes sure a browser is there: on Debian as root, `apt-get install chromium`; elsewhere
 * Playwright's own download. Returns the browser, or undefined (the caller says NO_BROWSER).
 */
export function provisionBrowser(): string | undefined {
  const found = findBrowser()
  if (found) return found
  const say = (t: string) => process.stderr.write(`${t}\n`)
  if (process.getuid?.() === 0 && executable('/usr/bin/apt-get')) {
    say('Installing Debian\'s chromium for the browser tests (apt-get install chromium)…')
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    spawnSync('apt-get', ['update', '-q'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 300_000 })
    spawnSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], env, timeout: 600_000 })
  } else {
    say('Downloading Playwright\'s Chromium for the browser tests (npx playwright-core install chromium)…')
    const cli = join(__dirname, '..', '..', 'node_modules', 'playwright-core', 'cli.js')
    spawnSync(process.execPath, [cli, 'install', 'chromium'], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 600_000 })
  }
  return findBrowser()
}
