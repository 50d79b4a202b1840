/** Chromium (Debian's, or whichever test/global-setup.ts found) through playwright-core. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { locateBrowser } from '../helpers/find-browser'

export interface LaunchOptions {
  timezoneId?: string
  colorScheme?: 'light' | 'dark'
  /** Where the browser profile folder is made (default the OS temp dir), e.g. a test's own root, removed with it. */
  profileParent?: string
}

export function launchChromium(options: LaunchOptions = {}): Promise<BrowserContext> {
  const browser = locateBrowser() // test/global-setup.ts installed one if it could
  if ('message' in browser) return Promise.reject(new Error(browser.message))
  const executablePath = browser.path
  return chromium.launchPersistentContext(mkdtempSync(join(options.profileParent ?? tmpdir(), 'pw-')), {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    locale: 'en-US',
    timezoneId: options.timezoneId ?? 'Europe/Berlin',
    colorScheme: options.colorScheme ?? 'light',
    // Charts skip their animation: the page clock is pinned, so animations would never finish.
    reducedMotion: 'reduce',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  })
}

/** Chromium with its profile under `root`, and its first page. */
export async function launchPage(root: string, timezoneId: string): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await launchChromium({ timezoneId, profileParent: root })
  return { ctx, page: ctx.pages()[0] ?? (await ctx.newPage()) }
}
