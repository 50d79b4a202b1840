import { describe, expect, it } from 'vitest'
import { CSP } from '../../src/engine/http/security'
import { applySessionPolicy, isSafeExternalUrl, setupWindow } from '../../src/main/window'
import { fakeElectron, ipcEvent, type FakeWindow } from './fake-electron'

const PAGE = '/app/out/renderer/index.html'

function openWindow() {
  const fake = fakeElectron()
  const win = setupWindow({
    electron: fake.electron,
    preloadPath: '/app/out/preload/index.js',
    page: { file: PAGE },
    iconPath: '/app/resources/icons/icon.png',
  })
  const w = win.show() as FakeWindow
  return { fake, win, w }
}

describe('the dashboard window', () => {
  it('locks down webPreferences', () => {
    const { w } = openWindow()
    expect(w.options.webPreferences).toEqual({
      preload: '/app/out/preload/index.js',
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
    })
    expect(w.options).toMatchObject({ show: false, title: 'Token Watch', icon: '/app/resources/icons/icon.png' })
    expect(w.loaded).toEqual({ file: PAGE })
  })

  it('prevents every navigation and opens only http(s) links in the browser', () => {
    const { fake, w } = openWindow()
    const urls = [
      'https://docs.anthropic.com/pricing',
      'http://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'mailto:a@b.c',
      `file://${PAGE}#/other`,
    ]
    for (const url of urls) expect(w.webContents.navigate(url).defaultPrevented).toBe(true)
    expect(fake.opened).toEqual(['https://docs.anthropic.com/pricing', 'http://example.com/'])
  })

  it('denies every new window, handing http(s) URLs to the OS browser', () => {
    const { fake, w } = openWindow()
    const open = w.webContents.openHandler
    expect(open?.({ url: 'https://github.com/' })).toEqual({ action: 'deny' })
    expect(open?.({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' })
    expect(open?.({ url: 'smb://server/share' })).toEqual({ action: 'deny' })
    expect(fake.opened).toEqual(['https://github.com/'])
  })

  it('refuses to attach webviews', () => {
    const { w } = openWindow()
    expect(w.webContents.attachWebview().defaultPrevented).toBe(true)
  })

  it('shows once ready, focuses the open window, and makes a new one after close', () => {
    const { fake, win, w } = openWindow()
    expect(w.visible).toBe(false)
    w.emitter.emit('ready-to-show')
    expect(w.visible).toBe(true)
    w.minimized = true
    expect(win.show()).toBe(w)
    expect([w.minimized, w.focused]).toEqual([false, true])
    w.close()
    expect(win.current()).toBeUndefined()
    const again = win.show()
    expect(again).not.toBe(w)
    expect(fake.windows).toHaveLength(2)
  })

  it('trusts IPC only from the top frame of its own window showing its own page', () => {
    const { win, w } = openWindow()
    const own = `file://${PAGE}`
    expect(win.isAppSender(ipcEvent(w.webContents, own))).toBe(true)
    expect(win.isAppSender(ipcEvent(w.webContents, `${own}#/sessions?x=1`))).toBe(true)
    expect(win.isAppSender(ipcEvent({ id: w.webContents.id + 1000 }, own))).toBe(false)
    expect(win.isAppSender(ipcEvent(w.webContents, own, { url: own }))).toBe(false)
    expect(win.isAppSender(ipcEvent(w.webContents, 'https://evil.example/'))).toBe(false)
    expect(win.isAppSender(ipcEvent(w.webContents, 'file:///tmp/index.html'))).toBe(false)
    expect(win.isAppSender({ sender: { id: w.webContents.id }, senderFrame: null })).toBe(false)
    w.close()
    expect(win.isAppSender(ipcEvent(w.webContents, own))).toBe(false)
  })

  it('in dev, trusts the dev server origin and loads from it', () => {
    const fake = fakeElectron()
    const win = setupWindow({ electron: fake.electron, preloadPath: '/p.js', page: { url: 'http://localhost:5173/' } })
    const w = win.show() as FakeWindow
    expect(w.loaded).toEqual({ url: 'http://localhost:5173/' })
    expect(win.isAppSender(ipcEvent(w.webContents, 'http://localhost:5173/index.html'))).toBe(true)
    expect(win.isAppSender(ipcEvent(w.webContents, 'http://localhost:5174/'))).toBe(false)
  })
})

describe('session policy', () => {
  it('sets our CSP on every response, replacing any other, and refuses all permissions', () => {
    const fake = fakeElectron()
    applySessionPolicy(fake.session)
    expect(fake.session.respond({ 'content-type': ['text/html'], 'content-security-policy': ['default-src *'] })).toEqual({
      'content-type': ['text/html'],
      'Content-Security-Policy': [CSP],
    })
    const granted: boolean[] = []
    fake.session.permissionRequest?.({}, 'notifications', (g) => granted.push(g))
    fake.session.permissionRequest?.({}, 'media', (g) => granted.push(g))
    expect(granted).toEqual([false, false])
    expect(fake.session.permissionCheck?.({}, 'clipboard-read')).toBe(false)
  })
})

describe('isSafeExternalUrl', () => {
  it('allows http and https with a host, nothing else', () => {
    expect(['https://a.b/c', 'http://a.b', 'HTTPS://A.B/'].map(isSafeExternalUrl)).toEqual([true, true, true])
    expect(
      ['file:///x', 'javascript:1', 'data:text/html,x', 'ftp://a.b', 'not a url', 'https://', 'vbscript:x'].map(isSafeExternalUrl),
    ).toEqual([false, false, false, false, false, false, false])
  })
})
