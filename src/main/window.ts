/**
 * The dashboard window, locked down: isolated and sandboxed renderer, no navigation, no new
 * windows, external links only for http(s), a strict CSP and no permissions.
 */
import { pathToFileURL } from 'node:url'
import { CSP } from '../engine/http/security'

/** The renderer's webPreferences. Nothing here may be loosened without a security review. */
export function lockedWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  } as const
}

/** True only for http(s) URLs: the one kind of link handed to the OS browser. */
export function isSafeExternalUrl(url: string): boolean {
  try {
    const u = new URL(url)
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.hostname !== ''
  } catch {
    return false
  }
}

/** Where the renderer comes from: the built file, or the dev server electron-vite started. */
export type RendererPage = { file: string } | { url: string }

/** A predicate: is `url` the app's own page (query and hash ignored)? */
export function appUrlMatcher(page: RendererPage): (url: string) => boolean {
  if ('file' in page) {
    const own = pathToFileURL(page.file).href
    return (url) => {
      try {
        const u = new URL(url)
        return u.protocol === 'file:' && u.host === '' && `file://${u.pathname}` === own
      } catch {
        return false
      }
    }
  }
  const origin = new URL(page.url).origin
  return (url) => {
    try {
      return new URL(url).origin === origin
    } catch {
      return false
    }
  }
}

interface PreventableEvent {
  preventDefault(): void
}

/** The webContents as this module uses it; electron's WebContents satisfies it. */
export interface ContentsLike {
  readonly id: number
  on(event: 'will-navigate', listener: (event: PreventableEvent, url: string) => void): unknown
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
  send(channel: string, ...args: unknown[]): void
}

export interface WindowLike {
  readonly webContents: ContentsLike
  loadFile(filePath: string): Promise<void>
  loadURL(url: string): Promise<void>
  show(): void
  focus(): void
  restore(): void
  isMinimized(): boolean
  isDestroyed(): boolean
  once(event: 'ready-to-show', listener: () => void): unknown
  on(event: 'closed', listener: () => void): unknown
}

export type WindowOptions = {
  width: number
  height: number
  minWidth: number
  minHeight: number
  show: boolean
  title: string
  autoHideMenuBar: boolean
  icon?: string
  webPreferences: ReturnType<typeof lockedWebPreferences>
}

export interface WindowElectron {
  BrowserWindow: new (options: WindowOptions) => WindowLike
  shell: { openExternal(url: string): Promise<void> }
}

/** No navigation and no new windows; an http(s) link opens in the user's browser instead. */
export function lockDownContents(contents: ContentsLike, shell: WindowElectron['shell'], log?: (m: string) => void): void {
  const openOutside = (url: string): void => {
    if (isSafeExternalUrl(url)) shell.openExternal(url).catch((e: Error) => log?.(`could not open ${url}: ${e.message}`))
  }
  contents.on('will-navigate', (event, url) => {
    event.preventDefault()
    openOutside(url)
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    openOutside(url)
    return { action: 'deny' }
  })
}

/** A session as this module uses it; electron's Session satisfies it. */
export interface SessionLike {
  webRequest: {
    onHeadersReceived(
      listener: (
        details: { responseHeaders?: Record<string, string[]> },
        callback: (response: { responseHeaders?: Record<string, string[] | string> }) => void,
      ) => void,
    ): void
  }
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void
}

/** Response headers with our CSP replacing any the response carried. */
export function withCsp(headers: Record<string, string[]> | undefined, csp: string = CSP): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const [k, v] of Object.entries(headers ?? {})) if (k.toLowerCase() !== 'content-security-policy') out[k] = v
  out['Content-Security-Policy'] = [csp]
  return out
}

/**
 * The CSP as a response header too (index.html carries it as a meta tag, which is what file://
 * pages get; the header covers the dev server), and every permission request refused.
 */
export function applySessionPolicy(session: SessionLike): void {
  session.webRequest.onHeadersReceived((details, callback) => callback({ responseHeaders: withCsp(details.responseHeaders) }))
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.setPermissionCheckHandler(() => false)
}

/** What an IPC event tells about its sender; electron's IpcMainInvokeEvent satisfies it. */
export interface IpcSenderLike {
  sender: { id: number }
  senderFrame: { url: string; parent: unknown } | null
}

export interface AppWindow {
  /** Opens the dashboard, or brings the open one to the front. */
  show(): WindowLike
  /** The window, while it is open. */
  current(): WindowLike | undefined
  /** True only for the top frame of the app's own window showing the app's own page. */
  isAppSender(event: IpcSenderLike): boolean
}

export interface WindowDeps {
  electron: WindowElectron
  preloadPath: string
  page: RendererPage
  iconPath?: string
  log?: (message: string) => void
}

/** The window manager: one dashboard window, created on demand, closed without quitting. */
export function setupWindow(deps: WindowDeps): AppWindow {
  const isAppUrl = appUrlMatcher(deps.page)
  let win: WindowLike | undefined

  const open = (): WindowLike => {
    const w = new deps.electron.BrowserWindow({
      width: 1280,
      height: 840,
      minWidth: 720,
      minHeight: 480,
      show: false,
      title: 'Token Watch',
      autoHideMenuBar: true,
      ...(deps.iconPath ? { icon: deps.iconPath } : {}),
      webPreferences: lockedWebPreferences(deps.preloadPath),
    })
    lockDownContents(w.webContents, deps.electron.shell, deps.log)
    w.once('ready-to-show', () => w.show())
    w.on('closed', () => {
      if (win === w) win = undefined
    })
    const loading = 'file' in deps.page ? w.loadFile(deps.page.file) : w.loadURL(deps.page.url)
    loading.catch((e: Error) => deps.log?.(`could not load the dashboard: ${e.message}`))
    return w
  }

  return {
    show() {
      if (win && !win.isDestroyed()) {
        if (win.isMinimized()) win.restore()
        win.show()
        win.focus()
        return win
      }
      win = open()
      return win
    },
    current: () => (win && !win.isDestroyed() ? win : undefined),
    isAppSender(event) {
      const w = win && !win.isDestroyed() ? win : undefined
      const frame = event.senderFrame
      return w !== undefined && event.sender.id === w.webContents.id && frame !== null && frame.parent === null && isAppUrl(frame.url)
    },
  }
}
