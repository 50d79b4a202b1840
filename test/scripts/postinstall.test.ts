import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { tempDir } from '../helpers/temp'

const SCRIPT = resolve(__dirname, '..', '..', 'scripts', 'postinstall.mjs')

/** The real postinstall script beside an electron/install.js with the given body. */
function withInstaller(body: string): string {
  const dir = tempDir()
  mkdirSync(join(dir, 'scripts'))
  copyFileSync(SCRIPT, join(dir, 'scripts', 'postinstall.mjs'))
  mkdirSync(join(dir, 'node_modules', 'electron'), { recursive: true })
  writeFileSync(join(dir, 'node_modules', 'electron', 'package.json'), '{"name":"electron","version":"0.0.0"}')
  writeFileSync(join(dir, 'node_modules', 'electron', 'install.js'), body)
  return join(dir, 'scripts', 'postinstall.mjs')
}

const run = (script: string) => spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 30_000 })

describe('postinstall', () => {
  it('a failed Electron download prints one friendly line, no stack trace, and exits 0', () => {
    // What @electron/get does offline: a rejected promise with a long stack.
    const script = withInstaller(`
      const err = new Error('getaddrinfo ENOTFOUND github.com')
      err.code = 'ENOTFOUND'
      console.log('Downloading electron…')
      Promise.reject(err)
    `)
    const r = run(script)
    expect(r.status).toBe(0)
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(
      /^token-watch: the Electron binary could not be downloaded \(ENOTFOUND\); `npm start` will serve the headless dashboard instead/,
    )
    expect(r.stderr).not.toMatch(/\s+at /)
  })

  it('a successful download prints nothing', () => {
    const r = run(withInstaller(`console.log('Downloading electron… done')`))
    expect(r.status).toBe(0)
    expect(`${r.stdout}${r.stderr}`).toBe('')
  })
})
