/**
 * Launch at login. macOS and Windows have an OS login-item API (Electron's setLoginItemSettings);
 * Linux has none, so the app writes an XDG autostart entry instead.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'

/** The flag a login launch passes: start in the tray without opening the window. */
export const HIDDEN_FLAG = '--hidden'

/** Quotes one argument of a desktop entry's Exec key (XDG Desktop Entry spec, "Exec key"). */
export function quoteExecArg(arg: string): string {
  if (!/[\s"'\\`$<>|&;*?#()~]/.test(arg) && arg !== '') return arg
  return `"${arg.replace(/(["`$\\])/g, '\\$1')}"`
}

/** The XDG autostart entry that starts `command` hidden at login. */
export function autostartEntry(command: string[]): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Token Watch',
    'Comment=What your AI coding agents cost today',
    `Exec=${[...command, HIDDEN_FLAG].map(quoteExecArg).join(' ')}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n')
}

/** Where the Linux autostart entry lives. */
export function autostartPath(env: NodeJS.ProcessEnv): string {
  const config = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config')
  return join(config, 'autostart', 'token-watch.desktop')
}

/** The slice of electron's `app` this module uses. */
export interface LoginItemElectron {
  app: {
    readonly isPackaged: boolean
    getAppPath(): string
    setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void
  }
}

export interface LoginItemDeps {
  electron: LoginItemElectron
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  /** The running executable (process.execPath). */
  execPath: string
  fs?: { write(path: string, text: string): void; remove(path: string): void }
}

/** The command that starts this app: the AppImage itself, the packaged binary, or electron + app dir. */
export function launchCommand(deps: Pick<LoginItemDeps, 'electron' | 'env' | 'execPath'>): string[] {
  if (deps.env.APPIMAGE) return [deps.env.APPIMAGE]
  return deps.electron.app.isPackaged ? [deps.execPath] : [deps.execPath, deps.electron.app.getAppPath()]
}

const realFs = {
  write(path: string, text: string) {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, text, { mode: 0o644 })
  },
  remove(path: string) {
    rmSync(path, { force: true })
  },
}

/** Returns `apply(enabled)`, which makes the OS start (or stop starting) the app at login. */
export function setupLoginItem(deps: LoginItemDeps): (enabled: boolean) => void {
  const fs = deps.fs ?? realFs
  return (enabled) => {
    switch (deps.platform) {
      case 'darwin':
        deps.electron.app.setLoginItemSettings({ openAtLogin: enabled })
        return
      case 'win32':
        deps.electron.app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_FLAG] })
        return
      default: {
        const path = autostartPath(deps.env)
        if (enabled) fs.write(path, autostartEntry(launchCommand(deps)))
        else fs.remove(path)
      }
    }
  }
}
