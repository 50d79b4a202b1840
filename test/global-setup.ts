/** Runs once before the suite: a fresh machine gets the browser the browser tests drive. */
import { NO_BROWSER, provisionBrowser } from './helpers/find-browser'

export default function setup(): void {
  const browser = provisionBrowser()
  // Not fatal here: the tests that need no browser still run; those that do fail with this line.
  if (browser) process.env.TOKENWATCH_CHROMIUM = browser
  else process.stderr.write(`${NO_BROWSER}\n`)
}
