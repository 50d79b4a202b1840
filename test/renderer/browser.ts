/** Debian's Chromium through playwright-core, launched exactly as TOOLCHAIN.md says. */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext } from 'playwright-core'

export function launchChromium(options: { timezoneId?: string; colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'pw-')), {
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    locale: 'en-US',
    timezoneId: options.timezoneId ?? 'Europe/Berlin',
    colorScheme: options.colorScheme ?? 'light',
    // Charts skip their animation: the page clock is pinned, so animations would never finish.
    reducedMotion: 'reduce',
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true,
  })
}
