import { afterEach, describe, expect, it } from 'vitest'
import { chmodSync, chownSync, linkSync, mkdirSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname } from 'node:path'
import { AlreadyRunningError } from '../../../src/engine/push/socket-server'
import { openStore } from '../../../src/engine/store/open-store'
import { eventLine, lineConn, makeRig, serve, totals, type Rig } from './helpers'

let rig: Rig
afterEach(async () => {
  await rig.cleanup()
})

describe('socket server: the socket file', () => {
  it('creates the socket 0600 in a new 0700 dir, and removes it on close', async () => {
    rig = makeRig()
    const server = await serve(rig)
    expect(statSync(rig.socketPath).isSocket()).toBe(true)
    expect(statSync(rig.socketPath).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(rig.socketPath)).mode & 0o777).toBe(0o700)
    expect(readdirSync(dirname(rig.socketPath))).toEqual(['ingest.sock'])
    await server.close()
    expect(() => statSync(rig.socketPath)).toThrow(/ENOENT/)
  })

  it('tightens an existing group/other-writable dir it owns to 0700; the socket is 0600 whatever the umask', async () => {
    rig = makeRig()
    mkdirSync(dirname(rig.socketPath), { recursive: true })
    chmodSync(dirname(rig.socketPath), 0o777)
    const old = process.umask(0)
    try {
      await serve(rig)
    } finally {
      process.umask(old)
    }
    expect(statSync(rig.socketPath).mode & 0o777).toBe(0o600)
    expect(statSync(dirname(rig.socketPath)).mode & 0o777).toBe(0o700)
  })

  it.runIf(process.getuid?.() === 0)('refuses a dir another user owns, naming it, and creates no socket there', async () => {
    rig = makeRig()
    const dir = dirname(rig.socketPath)
    mkdirSync(dir, { recursive: true, mode: 0o700 })
    chownSync(dir, 4242, 4242)
    await expect(serve(rig)).rejects.toThrow(`${dir} belongs to another user (uid 4242)`)
    expect(readdirSync(dir)).toEqual([])
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  it('says so when the path is too long for a Unix socket', async () => {
    rig = makeRig()
    rig.socketPath = `${rig.dir}/${'d'.repeat(100)}/ingest.sock`
    await expect(serve(rig)).rejects.toThrow(/socket path too long/)
  })

  it('replaces a stale socket left by a crash', async () => {
    rig = makeRig()
    mkdirSync(dirname(rig.socketPath), { recursive: true, mode: 0o700 })
    // A socket file nobody listens on: what a killed process leaves behind.
    const dead = createServer()
    await new Promise<void>((r) => dead.listen(rig.socketPath, r))
    linkSync(rig.socketPath, `${rig.socketPath}.keep`)
    await new Promise<void>((r) => dead.close(() => r()))
    linkSync(`${rig.socketPath}.keep`, rig.socketPath)
    unlinkSync(`${rig.socketPath}.keep`)
    expect(statSync(rig.socketPath).isSocket()).toBe(true)

    await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'after-crash', input: 1 }))
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'after-crash' }])
  })

  it('refuses a second instance with a clear message, leaving the first serving', async () => {
    rig = makeRig()
    await serve(rig)
    const second = serve(rig)
    await expect(second).rejects.toBeInstanceOf(AlreadyRunningError)
    await expect(second).rejects.toThrow(`Token Watch is already running (socket ${rig.socketPath} answers)`)
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'first' }))
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'first' }])
  })

  it('lets exactly one of two instances starting at the same instant win', async () => {
    rig = makeRig()
    const results = await Promise.allSettled([serve(rig), serve(rig)])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    const lost = results.find((r) => r.status === 'rejected')
    expect(lost?.status === 'rejected' && lost.reason).toBeInstanceOf(AlreadyRunningError)
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'winner' }))
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'winner' }])
  })

  it('refuses to replace a file that is not a socket', async () => {
    rig = makeRig()
    mkdirSync(dirname(rig.socketPath), { recursive: true, mode: 0o700 })
    writeFileSync(rig.socketPath, 'precious')
    await expect(serve(rig)).rejects.toThrow(/exists and is not a socket/)
  })
})

describe('socket server: durability', () => {
  it('keeps acknowledged events after the server closes and the store is reopened', async () => {
    rig = makeRig()
    const server = await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.write(Array.from({ length: 300 }, (_, i) => eventLine({ id: `d${i}`, input: 2, cacheRead: 10 })).join(''))
    expect(await c.replies(300)).toHaveLength(300)
    await server.close()
    await c.closed
    await rig.cleanup() // closes the store
    const reopened = openStore(rig.dbPath)
    try {
      expect(totals(reopened)).toMatchObject({ input: 600, cacheRead: 3000, requests: 300 })
    } finally {
      reopened.close()
    }
  })
})
