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

/** Runs it; the Electron cases leave the native scanner's build out (TOKENWATCH_NATIVE_SCAN=0). */
const run = (script: string, env: NodeJS.ProcessEnv = { TOKENWATCH_NATIVE_SCAN: '0' }) =>
  spawnSync(process.execPath, [script], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, ...env } })

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

  it('a native scanner that does not build prints one friendly line, no compiler output, and exits 0', () => {
    const script = withInstaller(`console.log('Downloading electron… done')`)
    // A binding.gyp node-gyp cannot build: the C file it names is not there.
    const native = join(script, '..', '..', 'native', 'scan')
    mkdirSync(native, { recursive: true })
    writeFileSync(join(native, 'binding.gyp'), JSON.stringify({ targets: [{ target_name: 'tw_scan', sources: ['missing.c'] }] }))
    const r = run(script, { TOKENWATCH_NATIVE_SCAN: '' })
    expect(r.status).toBe(0)
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^token-watch: the native log scanner was not built \(.+\); scans use the JS path/)
  })
})
