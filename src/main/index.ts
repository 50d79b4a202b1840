/**
 * Electron's entry point: the only file that imports `electron`. It gathers the real modules and
 * paths and hands them to runApp.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, session, shell, Tray } from 'electron'
import { join } from 'node:path'
import { startSocketServer } from '../engine/push/socket-server'
import { runApp } from './app'

const log = (message: string): void => console.error(`token-watch: ${message}`)

// electron-vite dev serves the renderer and names it here; a build loads the file.
const devUrl = process.env.ELECTRON_RENDERER_URL
const page = !app.isPackaged && devUrl ? { url: devUrl } : { file: join(__dirname, '../renderer/index.html') }
const icons = join(app.getAppPath(), 'resources', 'icons')

for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit())

runApp({
  electron: { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, session, shell, Tray },
  env: process.env,
  platform: process.platform,
  argv: process.argv,
  execPath: process.execPath,
  paths: {
    preload: join(__dirname, '../preload/index.js'),
    page,
    trayTemplate: join(icons, 'trayTemplate.png'),
    appIcon: join(icons, 'icon.png'),
  },
  startSocketServer,
  otlp: {},
  log,
}).catch((err: unknown) => {
  log(`failed to start: ${err instanceof Error ? err.stack : String(err)}`)
  app.exit(1)
})
