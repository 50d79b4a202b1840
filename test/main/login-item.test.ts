import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { autostartEntry, quoteExecArg, setupLoginItem } from '../../src/main/login-item'
import { fakeElectron } from './fake-electron'
import { tempDir } from './helpers'

describe('launch at login', () => {
  it('uses the OS login items on macOS and Windows (Windows starts hidden via a flag)', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      const fake = fakeElectron()
      const apply = setupLoginItem({ electron: fake.electron, platform, env: {}, execPath: '/x' })
      apply(true)
      apply(false)
      expect(fake.app.loginItemCalls).toEqual(
        platform === 'darwin'
          ? [{ openAtLogin: true }, { openAtLogin: false }]
          : [
              { openAtLogin: true, args: ['--hidden'] },
              { openAtLogin: false, args: ['--hidden'] },
            ],
      )
    }
  })

  it('writes and removes an XDG autostart entry on Linux', () => {
    const config = tempDir()
    const fake = fakeElectron({ appPath: '/home/u/token watch' })
    const apply = setupLoginItem({
      electron: fake.electron,
      platform: 'linux',
      env: { XDG_CONFIG_HOME: config },
      execPath: '/usr/bin/electron',
    })
    const file = join(config, 'autostart', 'token-watch.desktop')
    apply(true)
    expect(readFileSync(file, 'utf8')).toBe(
      [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Token Watch',
        'Comment=What your AI coding agents cost today',
        'Exec=/usr/bin/electron "/home/u/token watch" --hidden',
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n'),
    )
    apply(false)
    expect(existsSync(file)).toBe(false)
    expect(fake.app.loginItemCalls).toEqual([])
  })

  it('starts the AppImage itself when running from one, and the binary alone when packaged', () => {
    expect(autostartEntry(['/opt/Token Watch/token-watch'])).toContain('Exec="/opt/Token Watch/token-watch" --hidden\n')
    const written: string[] = []
    const fake = fakeElectron()
    fake.app.isPackaged = true
    const fs = { write: (_p: string, text: string) => written.push(text), remove: () => {} }
    setupLoginItem({
      electron: fake.electron,
      platform: 'linux',
      env: { HOME: '/h', APPIMAGE: '/h/Apps/Token.AppImage' },
      execPath: '/tmp/.mount_x/token-watch',
      fs,
    })(true)
    setupLoginItem({ electron: fake.electron, platform: 'linux', env: { HOME: '/h' }, execPath: '/opt/tw/token-watch', fs })(true)
    expect(written.map((t) => t.split('\n')[4])).toEqual(['Exec=/h/Apps/Token.AppImage --hidden', 'Exec=/opt/tw/token-watch --hidden'])
  })

  it('quotes Exec arguments per the desktop entry spec', () => {
    expect(quoteExecArg('/usr/bin/app')).toBe('/usr/bin/app')
    expect(quoteExecArg('a b')).toBe('"a b"')
    expect(quoteExecArg('a"$`\\b')).toBe('"a\\"\\$\\`\\\\b"')
    expect(quoteExecArg('')).toBe('""')
  })
})
