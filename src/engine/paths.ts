import { homedir } from 'node:os'
import { join } from 'node:path'

/** The app's name as Electron's `userData` folder uses it. */
export const APP_DIR_NAME = 'Token Watch'

/**
 * Token Watch's data dir: `$TOKENWATCH_HOME`, else the per-OS folder Electron's `userData` uses
 * (so the desktop app and the CLI share one store).
 */
export function dataDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.TOKENWATCH_HOME) return env.TOKENWATCH_HOME
  const home = env.HOME || homedir()
  switch (platform) {
    case 'darwin':
      return join(home, 'Library', 'Application Support', APP_DIR_NAME)
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_DIR_NAME)
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_DIR_NAME)
  }
}

/** Where the store, socket and settings live inside the data dir. */
export function dataPaths(dir: string, platform: NodeJS.Platform = process.platform, user = 'user') {
  return {
    db: join(dir, 'tokenwatch.db'),
    settings: join(dir, 'settings.json'),
    socket: platform === 'win32' ? `\\\\.\\pipe\\tokenwatch-${user}` : join(dir, 'ingest.sock'),
    lock: join(dir, 'engine.lock'),
  }
}
