/**
 * The one fake of the `electron` module for main-process tests. Each class implements the
 * slice of electron that src/main declares it uses, and records what was done to it.
 */
import { EventEmitter } from 'node:events'
import type { AppElectron, AppLike } from '../../src/main/app'
import type { IpcSenderLike, SessionLike, WindowLike, WindowOptions } from '../../src/main/window'
import type { TrayImage } from '../../src/main/tray-icon'
import type { TrayLike, TrayMenuItem } from '../../src/main/tray'

type Listener = (...args: never[]) => unknown

/** A native image: remembers where it came from and its representations. */
export class FakeImage implements TrayImage {
  readonly reps: { scaleFactor: number; width?: number; height?: number; buffer?: Buffer }[] = []
  template = false
  constructor(readonly path?: string) {}
  addRepresentation(options: { scaleFactor: number; width?: number; height?: number; buffer?: Buffer }): void {
    this.reps.push(options)
  }
  setTemplateImage(option: boolean): void {
    this.template = option
  }
}

/** A built menu: just its template. */
export class FakeMenu {
  constructor(readonly items: TrayMenuItem[]) {}
  /** The item with this label; throws when absent so tests fail loudly. */
  item(label: string): TrayMenuItem {
    const found = this.items.find((i) => i.label === label)
    if (!found) throw new Error(`no menu item "${label}" in ${JSON.stringify(this.labels())}`)
    return found
  }
  labels(): string[] {
    return this.items.map((i) => (i.type === 'separator' ? '---' : (i.label ?? '')))
  }
}

export class FakeTray implements TrayLike {
  image: TrayImage | string
  title: string | undefined
  titleOptions: unknown
  tooltip: string | undefined
  menu: FakeMenu | null = null
  destroyed = false
  /** Every image set after construction, in order. */
  readonly images: (TrayImage | string)[] = []
  readonly events = new EventEmitter()
  constructor(image: string) {
    this.image = image
  }
  setImage(image: TrayImage | string): void {
    this.image = image
    this.images.push(image)
  }
  setTitle(title: string, options?: unknown): void {
    this.title = title
    this.titleOptions = options
  }
  setToolTip(toolTip: string): void {
    this.tooltip = toolTip
  }
  setContextMenu(menu: object | null): void {
    this.menu = menu as FakeMenu | null
  }
  on(event: 'click', listener: () => void): this {
    this.events.on(event, listener)
    return this
  }
  destroy(): void {
    this.destroyed = true
  }
}

/** A preventable event, as electron passes to will-navigate and before-quit. */
export class FakeEvent {
  defaultPrevented = false
  preventDefault(): void {
    this.defaultPrevented = true
  }
}

let nextContentsId = 1

export class FakeWebContents {
  readonly id = nextContentsId++
  readonly emitter = new EventEmitter()
  openHandler: ((details: { url: string }) => { action: 'deny' }) | undefined
  readonly sent: { channel: string; args: unknown[] }[] = []
  on(event: string, listener: Listener): this {
    this.emitter.on(event, listener as (...a: unknown[]) => void)
    return this
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void {
    this.openHandler = handler
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args })
  }
  /** Simulates the page starting a navigation; returns the event so tests see preventDefault. */
  navigate(url: string): FakeEvent {
    const e = new FakeEvent()
    this.emitter.emit('will-navigate', e, url)
    return e
  }
  attachWebview(): FakeEvent {
    const e = new FakeEvent()
    this.emitter.emit('will-attach-webview', e)
    return e
  }
}

export class FakeWindow implements WindowLike {
  readonly webContents = new FakeWebContents()
  readonly emitter = new EventEmitter()
  loaded: { file?: string; url?: string } = {}
  visible = false
  focused = false
  minimized = false
  destroyed = false
  constructor(readonly options: WindowOptions) {}
  loadFile(filePath: string): Promise<void> {
    this.loaded = { file: filePath }
    return Promise.resolve()
  }
  loadURL(url: string): Promise<void> {
    this.loaded = { url }
    return Promise.resolve()
  }
  show(): void {
    this.visible = true
  }
  focus(): void {
    this.focused = true
  }
  restore(): void {
    this.minimized = false
  }
  isMinimized(): boolean {
    return this.minimized
  }
  isDestroyed(): boolean {
    return this.destroyed
  }
  once(event: 'ready-to-show', listener: () => void): this {
    this.emitter.once(event, listener)
    return this
  }
  on(event: 'closed', listener: () => void): this {
    this.emitter.on(event, listener)
    return this
  }
  /** The user closes the window: electron destroys it and emits `closed`. */
  close(): void {
    this.destroyed = true
    this.visible = false
    this.emitter.emit('closed')
  }
}

type HeadersListener = Parameters<SessionLike['webRequest']['onHeadersReceived']>[0]

export class FakeSession implements SessionLike {
  headersListener: HeadersListener | undefined
  permissionRequest: ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void) | undefined
  permissionCheck: ((contents: unknown, permission: string) => boolean) | undefined
  readonly webRequest = {
    onHeadersReceived: (listener: HeadersListener): void => {
      this.headersListener = listener
    },
  }
  setPermissionRequestHandler(handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void): void {
    this.permissionRequest = handler
  }
  setPermissionCheckHandler(handler: (contents: unknown, permission: string) => boolean): void {
    this.permissionCheck = handler
  }
  /** Runs a response through the headers listener; returns the headers it answered with. */
  respond(responseHeaders: Record<string, string[]>): Record<string, string[] | string> | undefined {
    let out: Record<string, string[] | string> | undefined
    this.headersListener?.({ responseHeaders }, (r) => (out = r.responseHeaders))
    return out
  }
}

type Handler = (event: IpcSenderLike, ...args: unknown[]) => Promise<unknown>

export class FakeIpcMain {
  readonly handlers = new Map<string, Handler>()
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    this.handlers.set(channel, listener)
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel)
  }
  /** Calls a handler as ipcRenderer.invoke would. */
  invoke(channel: string, event: IpcSenderLike, ...args: unknown[]): Promise<unknown> {
    const h = this.handlers.get(channel)
    if (!h) return Promise.reject(new Error(`No handler registered for '${channel}'`))
    return h(event, ...args)
  }
}

/** An IPC event as sent from `contents`, by a frame showing `url` (top frame unless `parent`). */
export function ipcEvent(contents: { id: number }, url: string, parent: unknown = null): IpcSenderLike {
  return { sender: { id: contents.id }, senderFrame: { url, parent } }
}

export class FakeApp implements AppLike {
  readonly emitter = new EventEmitter()
  isPackaged = false
  lock = true
  quitCalls = 0
  /** True once a quit went through (no before-quit listener prevented it). */
  quitted = false
  readonly paths = new Map<string, string>([['downloads', '/home/user/Downloads']])
  readonly loginItemCalls: { openAtLogin: boolean; args?: string[] }[] = []
  wasOpenedAtLogin = false
  /** What getLocale answers (electron: the OS UI language). */
  locale = 'en-US'
  constructor(readonly appPath = '/app') {}
  getLocale(): string {
    return this.locale
  }
  getAppPath(): string {
    return this.appPath
  }
  getPath(name: 'downloads'): string {
    return this.paths.get(name) ?? `/fake/${name}`
  }
  setPath(name: string, path: string): void {
    this.paths.set(name, path)
  }
  setLoginItemSettings(settings: { openAtLogin: boolean; args?: string[] }): void {
    this.loginItemCalls.push(settings)
  }
  getLoginItemSettings(): { wasOpenedAtLogin: boolean } {
    return { wasOpenedAtLogin: this.wasOpenedAtLogin }
  }
  requestSingleInstanceLock(): boolean {
    return this.lock
  }
  appUserModelId: string | undefined
  setAppUserModelId(id: string): void {
    this.appUserModelId = id
  }
  whenReady(): Promise<void> {
    return Promise.resolve()
  }
  on(event: string, listener: Listener): this {
    this.emitter.on(event, listener as (...a: unknown[]) => void)
    return this
  }
  quit(): void {
    this.quitCalls++
    const e = new FakeEvent()
    this.emitter.emit('before-quit', e)
    if (!e.defaultPrevented) this.quitted = true
  }
}

export interface SaveDialogCall {
  parent: object | undefined
  options: { defaultPath: string; filters: { name: string; extensions: string[] }[] }
}

export interface OpenDialogCall {
  parent: object | undefined
  options: { title: string; properties: string[] }
}

/** A whole fake electron plus the records tests assert on. */
export function fakeElectron(opts: { appPath?: string } = {}) {
  const trays: FakeTray[] = []
  const windows: FakeWindow[] = []
  const images: FakeImage[] = []
  const notifications: { title: string; body: string }[] = []
  const opened: string[] = []
  const errorBoxes: { title: string; content: string }[] = []
  const saveDialogCalls: SaveDialogCall[] = []
  /** What the next save dialog answers. */
  const saveDialog: { answer: { canceled: boolean; filePath?: string } } = { answer: { canceled: true } }
  const openDialogCalls: OpenDialogCall[] = []
  /** What the next open (folder) dialog answers. */
  const openDialog: { answer: { canceled: boolean; filePaths: string[] } } = { answer: { canceled: true, filePaths: [] } }
  const app = new FakeApp(opts.appPath)
  const ipcMain = new FakeIpcMain()
  const session = new FakeSession()
  let notificationsSupported = true

  function showSaveDialog(a: object, b?: SaveDialogCall['options']) {
    const [parent, options] = b === undefined ? [undefined, a as SaveDialogCall['options']] : [a, b]
    saveDialogCalls.push({ parent, options })
    return Promise.resolve(saveDialog.answer)
  }

  function showOpenDialog(a: object, b?: OpenDialogCall['options']) {
    const [parent, options] = b === undefined ? [undefined, a as OpenDialogCall['options']] : [a, b]
    openDialogCalls.push({ parent, options })
    return Promise.resolve(openDialog.answer)
  }

  const electron = {
    app,
    ipcMain,
    session: { defaultSession: session },
    BrowserWindow: class extends FakeWindow {
      constructor(options: WindowOptions) {
        super(options)
        windows.push(this)
      }
    },
    Tray: class extends FakeTray {
      constructor(image: string) {
        super(image)
        trays.push(this)
      }
    },
    Menu: { buildFromTemplate: (template: TrayMenuItem[]) => new FakeMenu(template) },
    nativeImage: {
      createEmpty: () => {
        const i = new FakeImage()
        images.push(i)
        return i
      },
      createFromPath: (path: string) => {
        const i = new FakeImage(path)
        images.push(i)
        return i
      },
    },
    Notification: class {
      static isSupported(): boolean {
        return notificationsSupported
      }
      constructor(readonly options: { title: string; body: string }) {}
      show(): void {
        notifications.push(this.options)
      }
    },
    shell: {
      openExternal: (url: string) => {
        opened.push(url)
        return Promise.resolve()
      },
    },
    dialog: {
      showSaveDialog: showSaveDialog as AppElectron['dialog']['showSaveDialog'],
      showOpenDialog: showOpenDialog as AppElectron['dialog']['showOpenDialog'],
      showErrorBox: (title: string, content: string) => {
        errorBoxes.push({ title, content })
      },
    },
  } satisfies AppElectron

  return {
    electron,
    app,
    ipcMain,
    session,
    trays,
    windows,
    images,
    notifications,
    opened,
    errorBoxes,
    saveDialog,
    saveDialogCalls,
    openDialog,
    openDialogCalls,
    setNotificationsSupported(v: boolean) {
      notificationsSupported = v
    },
    /** The single tray; throws unless exactly one was made. */
    tray(): FakeTray {
      if (trays.length !== 1) throw new Error(`expected one tray, found ${trays.length}`)
      return trays[0] as FakeTray
    },
  }
}

export type FakeElectron = ReturnType<typeof fakeElectron>
