import { mkdtempSync, mkdirSync, copyFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { afterEach } from 'vitest'

/** The repo's own copy of the sample logs (from ../shared/fixtures). */
export const FIXTURES = resolve(__dirname, '..', 'fixtures')

const made: string[] = []

/** A fresh temp dir, removed after the test. */
export function tempDir(prefix = 'tw-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  made.push(d)
  return d
}

afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** Copies fixture files into a layout: { 'projects/p/a.jsonl': 'claude_real/x.jsonl' }. */
export function layout(root: string, files: Record<string, string>): string {
  for (const [to, from] of Object.entries(files)) {
    const dest = join(root, to)
    mkdirSync(dirname(dest), { recursive: true })
    copyFileSync(join(FIXTURES, from), dest)
  }
  return root
}
