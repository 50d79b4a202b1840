import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { connect, type Socket } from 'node:net'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startIngestHttp } from '../../src/engine/web/http-ingest'
import { startWebServer } from '../../src/engine/web/server'
import { HTTP_LIMITS, type HttpLimits } from '../../src/engine/http/limits'
import { makeRig, NOW, totals, type Rig } from '../engine/push/helpers'
import { fakeApi } from '../engine/web/fake-api'
import { tempDir } from '../helpers/temp'

let rig: Rig | undefined
const sockets: Socket[] = []
afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy()
  await rig?.cleanup()
  rig = undefined
})

type Listener = 'ingest port' | 'dashboard server'

/** Starts one of the two HTTP listeners that take POST /v1/usage, on a real store. */
async function listen(kind: Listener, limits: Partial<HttpLimits> = {}): Promise<{ port: number; rig: Rig }> {
  const r = makeRig()
  rig = r
  if (kind === 'ingest port') {
    const s = await startIngestHttp({ writer: r.writer, userId: 'tester', now: () => NOW, limits })
    r.defer(() => s.close())
    return { port: s.port, rig: r }
  }
  const staticDir = join(tempDir(), 'renderer')
  mkdirSync(staticDir, { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Token Watch</title>')
  const s = await startWebServer({
    api: fakeApi(),
    staticDir,
    port: 0,
    ingest: { writer: r.writer, userId: 'tester', now: () => NOW },
    limits,
  })
  r.defer(() => s.close())
  return { port: s.port, rig: r }
}

/** A raw TCP client: what it was sent back, and whether the server closed it. */
interface Raw {
  socket: Socket
  received: () => string
  closed: boolean
}

function raw(port: number, text: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    sockets.push(socket)
    let got = ''
    const r: Raw = { socket, received: () => got, closed: false }
    socket.on('data', (d) => (got += d.toString('latin1')))
    socket.on('close', () => (r.closed = true))
    socket.once('error', () => undefined)
    socket.once('connect', () => {
      socket.on('error', () => undefined)
      if (text) socket.write(text)
      resolve(r)
    })
    socket.once('error', reject)
  })
}

/** A fresh-connection POST /v1/usage of one event. */
function postEvent(port: number, id: string, input: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/v1/usage',
        method: 'POST',
        agent: false,
        headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (t: string) => (body += t))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      },
    )
    req.on('error', reject)
    req.end(JSON.stringify({ id, agentId: 'bot', model: 'm-1', input, output: 1 }))
  })
}

async function until(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 10))
  }
}

const STALL = (port: number) => `POST /v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: applic`

describe.each<Listener>(['ingest port', 'dashboard server'])('HTTP limits on the %s', (kind) => {
  it(`300 clients stalled mid-headers hold at most ${HTTP_LIMITS.maxConnections} connections and never lock out a valid POST`, async () => {
    const { port, rig: r } = await listen(kind)
    const stalled: Raw[] = []
    for (let i = 0; i < 300; i++) stalled.push(await raw(port, STALL(port)))
    // Each connection past the cap evicted the oldest one still sending its headers.
    const closed = () => stalled.filter((s) => s.closed).length
    await until(() => closed() === 300 - HTTP_LIMITS.maxConnections, 5000)
    expect(stalled.slice(0, 44).every((s) => s.closed)).toBe(true)
    for (let i = 0; i < 3; i++) expect(await postEvent(port, `valid-${i}`, 10 + i)).toMatchObject({ status: 200 })
    expect(totals(r.store)).toMatchObject({ input: 33, output: 3, requests: 3 })
    // The first valid connection took the oldest staller's slot; the next ones took it again once
    // freed (Connection: close), or a further staller's if they came before the server saw it close.
    await until(() => closed() >= 45, 5000)
    await new Promise((r) => setTimeout(r, 50))
    const n = closed()
    expect(n).toBeLessThanOrEqual(47)
    expect(stalled.slice(0, n).every((s) => s.closed) && !stalled.slice(n).some((s) => s.closed)).toBe(true)
  }, 30_000)

  it('closes a client with 408 when its headers or its body take longer than the timeouts', async () => {
    const { port } = await listen(kind, { headersTimeoutMs: 300, requestTimeoutMs: 700 })
    const t0 = Date.now()
    const headers = await raw(port, STALL(port))
    const body = await raw(
      port,
      `POST /v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"id":`,
    )
    await until(() => headers.closed, 3000)
    expect(headers.received()).toMatch(/^HTTP\/1\.1 408 /)
    await until(() => body.closed, 3000)
    expect(body.received()).toMatch(/^HTTP\/1\.1 408 /)
    // Bounded by the timeouts plus Node's check interval, not by the client.
    expect(Date.now() - t0).toBeLessThan(2500)
  }, 10_000)

  it(`${HTTP_LIMITS.maxConnections} clients trickling their bodies a byte at a time never lock out a valid POST${kind === 'dashboard server' ? ' or the dashboard' : ''}`, async () => {
    const { port, rig: r } = await listen(kind)
    const slow: Raw[] = []
    const head = `POST /v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`
    for (let i = 0; i < HTTP_LIMITS.maxConnections; i++) slow.push(await raw(port, head))
    const trickle = setInterval(() => {
      for (const s of slow) if (!s.closed) s.socket.write(' ')
    }, 200)
    try {
      // Let the server read every client's headers (a client it has not yet seen send them
      // would be evicted first, as one still sending headers), so every slot holds an upload.
      await new Promise((done) => setTimeout(done, 500))
      // Each newcomer evicts the oldest upload.
      for (let i = 0; i < 5; i++) expect(await postEvent(port, `through-${i}`, 100 + i)).toMatchObject({ status: 200 })
      expect(totals(r.store)).toMatchObject({ input: 510, output: 5, requests: 5 })
      if (kind === 'dashboard server') {
        const page = await new Promise<number>((resolve, reject) => {
          request({ host: '127.0.0.1', port, path: '/', agent: false, headers: { host: `127.0.0.1:${port}` } }, (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          })
            .on('error', reject)
            .end()
        })
        expect(page).toBe(200)
      }
      // The oldest uploads made room (a valid sender's slot is freed again when it is done).
      await until(() => slow[0]?.closed === true, 5000)
      const n = slow.filter((s) => s.closed).length
      expect(n).toBeGreaterThanOrEqual(1)
      expect(n).toBeLessThanOrEqual(kind === 'dashboard server' ? 6 : 5)
      expect(slow.slice(0, n).every((s) => s.closed)).toBe(true)
    } finally {
      clearInterval(trickle)
    }
  }, 30_000)

  it('answers 408 and closes a body still trickling at its deadline, though it is never idle', async () => {
    const { port } = await listen(kind, { bodyTimeoutMs: 500 })
    const c = await raw(
      port,
      `POST /v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`,
    )
    const trickle = setInterval(() => {
      if (!c.closed) c.socket.write(' ')
    }, 50)
    try {
      await until(() => c.closed, 5000)
    } finally {
      clearInterval(trickle)
    }
    expect(c.received()).toMatch(/^HTTP\/1\.1 408 /)
    expect(c.received()).toContain('request body not received within 0.5 s')
  }, 10_000)

  it('refuses a flood of garbage with 4xx while every valid sender is answered, totals exact', async () => {
    const { port, rig: r } = await listen(kind)
    const junk: Promise<Raw>[] = []
    const valid: Promise<{ status: number; body: string }>[] = []
    for (let i = 0; i < 150; i++) {
      // Not HTTP at all: random bytes with line breaks.
      const bytes = Buffer.from(Array.from({ length: 200 }, (_, k) => (i * 31 + k * 17) % 256))
      junk.push(raw(port, `${bytes.toString('latin1')}\r\n\r\n`))
      // HTTP, but a body that is not JSON, and a form post.
      junk.push(
        raw(
          port,
          `POST /v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: 9\r\nConnection: close\r\n\r\n{{{{{{{{{`,
        ),
      )
      junk.push(
        raw(
          port,
          `POST /v1/usage HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\nConnection: close\r\n\r\na=1`,
        ),
      )
      if (i % 5 === 0) valid.push(postEvent(port, `ok-${i}`, i))
    }
    const answers = await Promise.all(valid)
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(200))
    const clients = await Promise.all(junk)
    await until(() => clients.every((c) => c.closed), 10_000)
    const statuses = clients.map((c) => /^HTTP\/1\.1 (\d{3}) /.exec(c.received())?.[1])
    const count = (s: string) => statuses.filter((x) => x === s).length
    expect({ 400: count('400'), 415: count('415') }).toEqual({ 400: 300, 415: 150 })
    let input = 0
    for (let i = 0; i < 150; i += 5) input += i
    expect(totals(r.store)).toMatchObject({ input, output: 30, requests: 30 })
  }, 30_000)
})
