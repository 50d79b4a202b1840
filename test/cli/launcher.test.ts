import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tempDir } from '../helpers/temp'

const LAUNCHER = resolve(__dirname, '..', '..', 'scripts', 'cli-launcher.cjs')

/** A bundle that prints its marker, its arguments and where it runs from (a CJS module as esbuild emits one). */
const bundle = (marker: string) =>
  `const path = require('node:path'); console.log(JSON.stringify({ marker: ${JSON.stringify(marker)}, args: process.argv.slice(2), dir: path.basename(__dirname), main: typeof module.exports }))\n`

function run(dir: string): { marker: string; args: string[]; dir: string } {
  const r = spawnSync(process.execPath, [join(dir, 'tokenwatch.js'), 'scan', '--json'], { encoding: 'utf8' })
  expect(r.stderr).toBe('')
  return JSON.parse(r.stdout) as { marker: string; args: string[]; dir: string }
}

describe('the CLI launcher (out/cli/tokenwatch.js): the bundle through a V8 code cache beside it', () => {
  it('writes the cache on the first run, runs with it after, and never runs a stale one', () => {
    const dir = tempDir()
    copyFileSync(LAUNCHER, join(dir, 'tokenwatch.js'))
    writeFileSync(join(dir, 'tokenwatch-main.js'), bundle('aaaa'))
    const cache = join(dir, 'tokenwatch-main.js.v8cache')
    expect(run(dir)).toMatchObject({ marker: 'aaaa', args: ['scan', '--json'] })
    expect(existsSync(cache)).toBe(true)
    const first = readFileSync(cache)
    expect(run(dir)).toMatchObject({ marker: 'aaaa' })
    // Used, not rewritten.
    expect(readFileSync(cache).equals(first)).toBe(true)
    // A rebuilt bundle of the same length (V8's own check would pass it): the old cache is not used.
    writeFileSync(join(dir, 'tokenwatch-main.js'), bundle('bbbb'))
    const later = new Date(Date.now() + 5000)
    utimesSync(join(dir, 'tokenwatch-main.js'), later, later)
    expect(run(dir)).toMatchObject({ marker: 'bbbb' })
    expect(readFileSync(cache).equals(first)).toBe(false)
    // A damaged cache, with the right stamp or without, changes nothing but the speed.
    writeFileSync(cache, Buffer.concat([readFileSync(cache).subarray(0, 16), Buffer.alloc(100, 7)]))
    expect(run(dir)).toMatchObject({ marker: 'bbbb' })
    writeFileSync(cache, Buffer.alloc(100, 7))
    expect(run(dir)).toMatchObject({ marker: 'bbbb' })
  })
})
