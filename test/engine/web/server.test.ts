import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { request, type IncomingHttpHeaders } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startWebServer, type WebServer } from '../../../src/engine/web/server'
import { CSP } from '../../../src/engine/http/security'
import { fakeApi, type FakeApi } from './fake-api'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

let server: WebServer
let api: FakeApi
let root: string
let staticDir: string

/** A raw request, so tests control Host, Origin and the body byte for byte. */
function send(path: string, opts: { method?: string; headers?: Record<string, string | number>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        path,
        method: opts.method ?? 'GET',
        headers: { host: `127.0.0.1:${server.port}`, ...opts.headers },
      },
      (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
      },
    )
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** POST /api/<method> with the right token unless told otherwise. */
function call(method: string, arg?: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return send(`/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-tokenwatch-token': server.token, ...headers },
    body: JSON.stringify(arg === undefined ? {} : { arg }),
  })
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'tw-web-'))
  staticDir = join(root, 'renderer')
  mkdirSync(join(staticDir, 'assets'), { recursive: true })
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Token Watch</title>')
  writeFileSync(join(staticDir, 'assets', 'app-1234.js'), 'console.log(1)')
  writeFileSync(join(staticDir, 'assets', 'app-1234.css'), 'body{}')
  writeFileSync(join(root, 'secret.txt'), 'do not serve')
  symlinkSync(join(root, 'secret.txt'), join(staticDir, 'link.txt'))
  api = fakeApi()
  server = await startWebServer({ api, staticDir, port: 0, heartbeatMs: 200 })
})

afterAll(async () => {
  await server.close()
  rmSync(root, { recursive: true, force: true })
})

describe('startWebServer', () => {
  it('prints a loopback link with a one-time code, never the token', () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?code=[A-Za-z0-9_-]{43}$`))
    expect(server.url).not.toContain(server.token)
    expect(server.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('a code signs in once: 303 to the page without it, with an HttpOnly SameSite=Strict cookie that the API then takes', async () => {
    const links: string[] = []
    const s = await startWebServer({ api, staticDir, onLink: (l) => links.push(l) })
    const get = (path: string, headers: Record<string, string> = {}) =>
      new Promise<Reply>((resolve, reject) => {
        request({ host: '127.0.0.1', port: s.port, path, headers: { host: `127.0.0.1:${s.port}`, ...headers } }, (res) => {
          let body = ''
          res
            .setEncoding('utf8')
            .on('data', (c: string) => (body += c))
            .on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
        })
          .on('error', reject)
          .end()
      })
    try {
      const code = new URL(s.url).searchParams.get('code') ?? ''
      const first = await get(`/?range=7d&code=${code}`)
      expect(first.status).toBe(303)
      expect(first.headers.location).toBe('/?range=7d')
      expect(first.headers['set-cookie']).toEqual([`tokenwatch_${s.port}=${s.token}; HttpOnly; SameSite=Strict; Path=/`])
      expect(links).toHaveLength(1) // the next link, for another browser
      const cookie = `other=1; tokenwatch_${s.port}=${s.token}`
      const viaCookie = await new Promise<number>((resolve, reject) => {
        request(
          {
            host: '127.0.0.1',
            port: s.port,
            path: '/api/dimensions',
            method: 'POST',
            headers: { host: `127.0.0.1:${s.port}`, 'content-type': 'application/json', cookie },
          },
          (res) => {
            res.resume()
            resolve(res.statusCode ?? 0)
          },
        )
          .on('error', reject)
          .end('{}')
      })
      expect(viaCookie).toBe(200)
      // The event stream takes the cookie too (EventSource sends it on its own).
      const events = await new Promise<number>((resolve) => {
        const req = request(
          { host: '127.0.0.1', port: s.port, path: '/api/events', headers: { host: `127.0.0.1:${s.port}`, cookie } },
          (res) => {
            resolve(res.statusCode ?? 0)
            req.destroy()
          },
        )
        req.on('error', () => undefined)
        req.end()
      })
      expect(events).toBe(200)
      // Used: a second visit without the cookie is refused, and a fresh link is made.
      const again = await get(`/?code=${code}`)
      expect(again.status).toBe(401)
      expect(again.body).toContain('already used or has expired')
      expect(again.headers['set-cookie']).toBeUndefined()
      expect(links).toHaveLength(2)
      // A browser already signed in that opens an old link just gets the page.
      expect((await get(`/?code=${code}`, { cookie })).status).toBe(303)
      // Made-up codes and another port's cookie sign nobody in.
      expect((await get(`/?code=${'x'.repeat(43)}`)).status).toBe(401)
      const wrongPort = await get('/api/events', { cookie: `tokenwatch_${s.port + 1}=${s.token}` })
      expect(wrongPort.status).toBe(401)
    } finally {
      await s.close()
    }
  })

  it('a code expires unused', async () => {
    const s = await startWebServer({ api, staticDir, codeTtlMs: 100 })
    try {
      await new Promise((r) => setTimeout(r, 250))
      const res = await fetch(s.url, { redirect: 'manual', headers: {} })
      expect(res.status).toBe(401)
      expect(res.headers.get('set-cookie')).toBeNull()
      const fresh = await fetch(s.newLink(), { redirect: 'manual' })
      expect(fresh.status).toBe(303)
    } finally {
      await s.close()
    }
  })

  it('refuses to bind anything but loopback', async () => {
    await expect(startWebServer({ api, staticDir, host: '0.0.0.0' })).rejects.toThrow(/loopback only/)
  })

  it('answers a contract call with {ok, result}', async () => {
    const r = await call('report', { tz: 'Europe/Paris', from: 0, to: 3_600_000, models: ['m'], groupBy: ['hour', 'model'] })
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8')
    expect(JSON.parse(r.body)).toEqual({
      ok: true,
      result: {
        rows: [{ model: 'm', input: 10, output: 20, cacheRead: 30, cacheWrite: 40, requests: 2, costUsd: 0.5, unpricedTokens: 0 }],
        totals: { input: 10, output: 20, cacheRead: 30, cacheWrite: 40, requests: 2, costUsd: 0.5, unpricedTokens: 0 },
        unpricedModels: [],
      },
    })
    expect(api.calls.at(-1)).toEqual({
      method: 'report',
      arg: { tz: 'Europe/Paris', from: 0, to: 3_600_000, models: ['m'], groupBy: ['hour', 'model'] },
    })
  })

  it('answers sessionCount with the number, the filter passed on as validated', async () => {
    const r = await call('sessionCount', { tz: 'UTC', from: 0, to: 3_600_000, agents: ['a'] })
    expect([r.status, JSON.parse(r.body)]).toEqual([200, { ok: true, result: 7 }])
    expect(api.calls.at(-1)).toEqual({ method: 'sessionCount', arg: { tz: 'UTC', from: 0, to: 3_600_000, agents: ['a'] } })
  })

  it('takes no-argument methods with an empty envelope', async () => {
    const r = await call('dimensions')
    expect(JSON.parse(r.body)).toMatchObject({ ok: true, result: { models: ['m'], unpricedModels: [], firstTs: 0 } })
  })

  it('requires the token on every /api request (401 without or wrong)', async () => {
    const before = api.calls.length
    const none = await send('/api/dimensions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })
    expect(none.status).toBe(401)
    expect(JSON.parse(none.body)).toEqual({
      ok: false,
      error: 'not signed in: open a link printed by tokenwatch serve (each works once), or send the token',
    })
    expect((await call('dimensions', undefined, { 'x-tokenwatch-token': 'x'.repeat(43) })).status).toBe(401)
    // ?token= works for the event stream only, never for method calls.
    const inQuery = await send(`/api/dimensions?token=${server.token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    })
    expect(inQuery.status).toBe(401)
    expect((await send('/api/events')).status).toBe(401)
    expect(api.calls.length).toBe(before)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const r = await call('dimensions', undefined, { host: `evil.example:${server.port}` })
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body).error).toBe('host not allowed')
    expect((await send('/', { headers: { host: `127.0.0.1:${server.port + 1}` } })).status).toBe(403)
    expect((await call('dimensions', undefined, { host: `localhost:${server.port}` })).status).toBe(200)
    expect((await call('dimensions', undefined, { host: `[::1]:${server.port}` })).status).toBe(200)
  })

  it('refuses a foreign Origin, accepts its own', async () => {
    const r = await call('dimensions', undefined, { origin: 'https://evil.example' })
    expect(r.status).toBe(403)
    expect(JSON.parse(r.body).error).toBe('origin not allowed')
    expect((await call('dimensions', undefined, { origin: 'null' })).status).toBe(403)
    expect((await call('dimensions', undefined, { origin: `http://127.0.0.1:${server.port}` })).status).toBe(200)
  })

  it('answers 404 for an unknown method and 405 for GET', async () => {
    const r = await call('dropTables', {})
    expect(r.status).toBe(404)
    expect(JSON.parse(r.body)).toEqual({ ok: false, error: 'unknown method "dropTables"' })
    expect((await call('__proto__', {})).status).toBe(404)
    expect((await send('/api/report', { headers: { 'x-tokenwatch-token': server.token } })).status).toBe(405)
  })

  it('refuses a body over 1 MiB with 413, declared or streamed', async () => {
    const declared = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/report',
          method: 'POST',
          headers: {
            host: `127.0.0.1:${server.port}`,
            'content-type': 'application/json',
            'x-tokenwatch-token': server.token,
            'content-length': 2 * 1024 * 1024,
          },
        },
        (res) => resolve(res.statusCode ?? 0),
      )
      req.on('error', reject)
      req.flushHeaders() // headers only: the server must not wait for 2 MiB it will never use
    })
    expect(declared).toBe(413)

    const streamed = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/api/report',
          method: 'POST',
          headers: {
            host: `127.0.0.1:${server.port}`,
            'content-type': 'application/json',
            'x-tokenwatch-token': server.token,
            'transfer-encoding': 'chunked',
          },
        },
        (res) => resolve(res.statusCode ?? 0),
      )
      req.on('error', reject)
      const chunk = 'x'.repeat(64 * 1024)
      for (let i = 0; i < 17; i++) req.write(chunk) // 1.06 MiB, never ended
    })
    expect(streamed).toBe(413)
    // The server is still healthy.
    expect((await call('dimensions')).status).toBe(200)
  })

  it('validates each argument and names the field', async () => {
    const cases: [string, unknown, string][] = [
      ['report', { tz: 'UTC', groupBy: ['hour', 'colour'] }, 'arg.groupBy[1]: unknown group dimension "colour"'],
      ['report', { tz: 'Mars/Olympus', groupBy: [] }, 'arg.tz: unknown time zone "Mars/Olympus"'],
      ['report', { tz: 'UTC', groupBy: ['day', 'day'] }, 'arg.groupBy[1]: duplicate group dimension "day"'],
      ['report', { tz: 'UTC', groupBy: ['day'], from: 'yesterday' }, 'arg.from: must be a finite number'],
      ['report', { tz: 'UTC', groupBy: ['day'], from: 10, to: 5 }, 'arg.to: must not be before from'],
      ['report', { tz: 'UTC', groupBy: ['day'], models: ['a', 7] }, 'arg.models[1]: must be a string'],
      ['report', { tz: 'UTC' }, 'arg.groupBy: must be an array of group dimensions'],
      ['report', { tz: 'UTC', groupBy: [], colour: 'red' }, 'arg.colour: unknown field'],
      ['sessions', { tz: 'UTC', sources: ['claude-code', 'windsurf'] }, 'arg.sources[1]: unknown source "windsurf"'],
      ['sessions', [], 'arg: must be an object'],
      ['sessionCount', undefined, 'arg: must be an object'],
      ['sessionCount', { from: 0 }, 'arg.tz: must be a string'],
      ['sessionCount', { tz: 'UTC', groupBy: [] }, 'arg.groupBy: unknown field'],
      ['sessionCount', { tz: 'UTC', users: 'bob' }, 'arg.users: must be an array of strings'],
      ['sessionEvents', { sessionId: '' }, 'arg.sessionId: must not be empty'],
      ['todaySpend', {}, 'arg.tz: must be a string'],
      ['todaySpend', { tz: 'UTC', at: -1 }, 'arg.at: must be at least 0'],
      ['budgets', { tz: 'UTC', at: Date.UTC(10000, 0, 2) }, 'arg.at: must be an instant before the year 10000 (epoch ms)'],
      ['outlook', { tz: 'UTC', at: '2026-01-01' }, 'arg.at: must be a finite number'],
      ['outlook', { tz: 'UTC', when: 1 }, 'arg.when: unknown field'],
      ['dimensions', { x: 1 }, 'arg: this method takes no argument'],
      ['setSettings', { dailyBudgetUsd: -5 }, 'arg.dailyBudgetUsd: must be at least 0'],
      ['setSettings', { timeZone: 'Nowhere/City' }, 'arg.timeZone: unknown time zone "Nowhere/City"'],
      [
        'setSettings',
        { priceOverrides: [{ model: 'm', input: 1, output: null }] },
        'arg.priceOverrides[0].output: must be a finite number',
      ],
      ['setSettings', { claudeConfigDirs: 'dir' }, 'arg.claudeConfigDirs: must be a list of folders'],
      [
        'setSettings',
        { priceOverrides: [{ model: 'm', input: 1, output: 2, cachRead: 0.1 }] },
        'arg.priceOverrides[0].cachRead: unknown field',
      ],
    ]
    const before = api.calls.length
    for (const [method, arg, error] of cases) {
      const r = await call(method, arg)
      expect({ method, status: r.status, body: JSON.parse(r.body) }).toEqual({ method, status: 400, body: { ok: false, error } })
    }
    expect(api.calls.length).toBe(before)
  })

  it('rejects malformed envelopes', async () => {
    const headers = { 'content-type': 'application/json', 'x-tokenwatch-token': server.token }
    const bad = await send('/api/dimensions', { method: 'POST', headers, body: '{"arg":' })
    expect([bad.status, JSON.parse(bad.body).error]).toEqual([400, 'body is not valid JSON'])
    const extra = await send('/api/dimensions', { method: 'POST', headers, body: '{"args":1}' })
    expect([extra.status, JSON.parse(extra.body).error]).toEqual([400, 'args: unknown field'])
    const form = await send('/api/dimensions', { method: 'POST', headers: { ...headers, 'content-type': 'text/plain' }, body: '{}' })
    expect(form.status).toBe(415)
  })

  it('accepts valid settings patches, including "" for the system zone', async () => {
    const r = await call('setSettings', {
      timeZone: '',
      dailyBudgetUsd: 12.5,
      priceOverrides: [{ model: 'm', input: 3, output: 15, cacheRead: 0.3 }],
    })
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body).result).toMatchObject({
      timeZone: '',
      dailyBudgetUsd: 12.5,
      priceOverrides: [{ model: 'm', input: 3, output: 15, cacheRead: 0.3 }],
    })
  })

  it('never exports to a host path over the web: exportCsv is desktop only', async () => {
    const r = await call('exportCsv', { tz: 'UTC', groupBy: ['day'] })
    expect(JSON.parse(r.body)).toEqual({ ok: true, result: { ok: false, error: 'desktop only' } })
    expect(api.calls.some((c) => c.method === 'exportCsv')).toBe(false)
  })

  it('turns an engine failure into a 500 with its message', async () => {
    const original = api.sourceStatus
    api.sourceStatus = async () => {
      throw new Error('disk on fire')
    }
    const r = await call('sourceStatus')
    api.sourceStatus = original
    expect([r.status, JSON.parse(r.body)]).toEqual([500, { ok: false, error: 'disk on fire' }])
  })

  it('streams change events over SSE with heartbeats, and unsubscribes on disconnect', async () => {
    const received = await new Promise<string>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port: server.port, path: `/api/events?token=${server.token}`, headers: { host: `127.0.0.1:${server.port}` } },
        (res) => {
          expect(res.statusCode).toBe(200)
          expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
          let text = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => {
            text += c
            if (text.includes(': connected') && !text.includes('event: change')) api.emit({ at: 1_767_229_000_000 })
            if (text.includes('event: change') && text.includes(': heartbeat')) {
              req.destroy()
              resolve(text)
            }
          })
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(received).toContain('event: change\ndata: {"at":1767229000000}\n\n')
    await new Promise((r) => setTimeout(r, 50))
    expect(api.listenerCount()).toBe(0)
  })

  it('serves static files with content types and the CSP header, without a token', async () => {
    const index = await send('/')
    expect(index.status).toBe(200)
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(index.headers['content-security-policy']).toBe(CSP)
    expect(index.body).toContain('<title>Token Watch</title>')
    const withToken = await send(`/?token=${server.token}`)
    expect(withToken.status).toBe(200)
    const js = await send('/assets/app-1234.js')
    expect([js.status, js.headers['content-type'], js.body]).toEqual([200, 'text/javascript; charset=utf-8', 'console.log(1)'])
    expect(js.headers['cache-control']).toContain('immutable')
    expect((await send('/assets/app-1234.css')).headers['content-type']).toBe('text/css; charset=utf-8')
    expect((await send('/missing.js')).status).toBe(404)
    expect((await send('/assets')).status).toBe(404)
    expect((await send('/', { method: 'POST' })).status).toBe(405)
  })

  it('refuses directory traversal, encoded or through a symlink', async () => {
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/%2e%2e/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e%5csecret.txt',
      '/link.txt',
      '/%00index.html',
      '/%E0%A4%A',
    ]) {
      const r = await send(path)
      expect({ path, status: r.status }).toEqual({ path, status: 404 })
      expect(r.body).not.toContain('do not serve')
    }
  })
})
