import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { tempDir } from './helpers'

interface Probe {
  installed: boolean
  version?: string
  binary?: string
  binaryExists: boolean
}
type Decision = { mode: 'electron'; binary: string } | { mode: 'headless'; reason: string }
interface StartModule {
  probeElectron(root: string, env: Record<string, string | undefined>): Probe
  decideLaunch(input: { platform: string; env: Record<string, string | undefined>; uid: number | undefined; electron: Probe }): Decision
  headlessLine(reason: string): string
  parseArgs(argv: string[]): { build: boolean; rest: string[] }
}

// A plain .mjs script (it runs before anything is built): loaded by path, typed here.
const START = resolve(__dirname, '../../scripts/start.mjs')
const load = async (): Promise<StartModule> => (await import(START)) as StartModule

const ready: Probe = { installed: true, version: '45.4.1', binary: '/nm/electron/dist/electron', binaryExists: true }

describe('npm start decides between Electron and the headless dashboard', () => {
  it('runs Electron when its binary exists and there is a display', async () => {
    const { decideLaunch } = await load()
    expect(decideLaunch({ platform: 'linux', env: { DISPLAY: ':0' }, uid: 1000, electron: ready })).toEqual({
      mode: 'electron',
      binary: '/nm/electron/dist/electron',
    })
    expect(decideLaunch({ platform: 'linux', env: { WAYLAND_DISPLAY: 'wayland-0' }, uid: 1000, electron: ready }).mode).toBe('electron')
    expect(decideLaunch({ platform: 'darwin', env: {}, uid: 501, electron: ready }).mode).toBe('electron')
    expect(decideLaunch({ platform: 'win32', env: {}, uid: undefined, electron: ready }).mode).toBe('electron')
  })

  it('says why in one line and serves the headless dashboard otherwise', async () => {
    const { decideLaunch, headlessLine } = await load()
    const reason = (platform: string, env: Record<string, string>, uid: number | undefined, electron: Probe) => {
      const d = decideLaunch({ platform, env, uid, electron })
      return d.mode === 'headless' ? d.reason : 'electron'
    }
    expect(reason('linux', { DISPLAY: ':0' }, 1000, { installed: true, version: '45.4.1', binaryExists: false })).toBe(
      'Electron binary not downloaded (no internet at install?)',
    )
    expect(reason('win32', {}, undefined, { installed: false, binaryExists: false })).toBe('the electron package is not installed')
    expect(reason('linux', {}, 1000, ready)).toBe('no display (DISPLAY and WAYLAND_DISPLAY are unset)')
    expect(reason('freebsd', {}, 1000, ready)).toBe('no display (DISPLAY and WAYLAND_DISPLAY are unset)')
    expect(reason('linux', { DISPLAY: ':0' }, 0, ready)).toBe("running as root, where Electron's renderer sandbox refuses to start")
    expect(reason('darwin', { TOKENWATCH_HEADLESS: '1' }, 501, ready)).toBe('TOKENWATCH_HEADLESS=1 is set')
    expect(headlessLine('Electron binary not downloaded (no internet at install?)')).toBe(
      'token-watch: Electron binary not downloaded (no internet at install?) — serving the headless dashboard instead',
    )
  })

  it('finds the binary from electron/path.txt without requiring electron (which would download it)', async () => {
    const { probeElectron } = await load()
    const root = tempDir()
    writeFileSync(join(root, 'package.json'), '{"name":"x"}')
    expect(probeElectron(root, {})).toEqual({ installed: false, binaryExists: false })
    const pkg = join(root, 'node_modules', 'electron')
    mkdirSync(join(pkg, 'dist'), { recursive: true })
    writeFileSync(join(pkg, 'package.json'), '{"name":"electron","version":"45.4.1"}')
    expect(probeElectron(root, {})).toEqual({ installed: true, version: '45.4.1', binary: undefined, binaryExists: false })
    writeFileSync(join(pkg, 'path.txt'), 'electron')
    expect(probeElectron(root, {})).toEqual({
      installed: true,
      version: '45.4.1',
      binary: join(pkg, 'dist', 'electron'),
      binaryExists: false,
    })
    writeFileSync(join(pkg, 'dist', 'electron'), '')
    expect(probeElectron(root, {}).binaryExists).toBe(true)
    expect(probeElectron(root, { ELECTRON_OVERRIDE_DIST_PATH: '/opt/electron' })).toMatchObject({
      binary: join('/opt/electron', 'electron'),
      binaryExists: false,
    })
  })

  it('on this machine reports the real state of the electron package', async () => {
    const { probeElectron } = await load()
    const probe = probeElectron(resolve(__dirname, '../..'), {})
    expect(probe.installed).toBe(true)
    expect(probe.version).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('takes --no-build for itself and passes every other argument on', async () => {
    const { parseArgs } = await load()
    expect(parseArgs(['--no-build', '--port', '8080'])).toEqual({ build: false, rest: ['--port', '8080'] })
    expect(parseArgs([])).toEqual({ build: true, rest: [] })
  })
})
