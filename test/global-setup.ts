/** Runs once before the suite: a fresh machine gets the browser the browser tests drive. */
import type { TestProject } from 'vitest/node'
import { provisionBrowser } from './helpers/find-browser'

/** The browser tests: only a run that includes one looks for (or installs) a browser. */
const NEEDS_BROWSER = /[\\/]test[\\/](renderer|e2e)[\\/]/

export default async function setup(project: TestProject): Promise<void> {
  const { testFiles } = await project.globTestFiles(project.vitest.config.filters)
  if (!testFiles.some((f) => NEEDS_BROWSER.test(f))) return
  const got = provisionBrowser()
  // Not fatal here: the tests that need no browser still run; those that do fail with this line.
  if ('message' in got) process.stderr.write(`${got.message}\n`)
}
