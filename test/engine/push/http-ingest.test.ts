import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { MAX_RESULTS, startIngestHttp, type IngestHttpServer } from '../../../src/engine/web/http-ingest'
import { makeRig, NOW, totals, type Rig } from './helpers'

let rig: Rig
afterEach(async () => {
  await rig.cleanup()
})

async function start(maxBodyBytes?: number): Promise<IngestHttpServer> {
  rig = makeRig()
  const server = await startIngestHttp({ writer: rig.writer, userId: 'tester', now: () => NOW, ...(maxBodyBytes ? { maxBodyBytes } : {}) })
  rig.defer(() => server.close())
  return server
}

interface Reply {
  status: number
  body: Record<string, unknown>
}

/** A raw request, so tests control Host, Origin and framing exactly (fetch would not). */
function post(port: number, body: string | Buffer, headers: Record<string, string>, path = '/v1/usage', method = 'POST'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (t: string) => (text += t))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

const JSON_TYPE = { 'content-type': 'application/json' }
const ev = (id: string, input: number) => ({ id, agentId: 'bot', model: 'm-1', input, output: 1 })

describe('POST /v1/usage', () => {
  it('bounds the reply: a 1 MiB body of tiny bad lines gets a reply far smaller than the body, counts exact', async () => {
    const s = await start()
    const lines = 'x\n'.repeat(512 * 1024 - 200) + JSON.stringify(ev('ok', 3)) + '\n'
    expect(Buffer.byteLength(lines)).toBeLessThanOrEqual(1024 * 1024)
    const text = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: s.port,
          path: '/v1/usage',
          method: 'POST',
          headers: { host: `127.0.0.1:${s.port}`, 'content-type': 'application/x-ndjson' },
        },
        (res) => {
          let t = ''
          res.setEncoding('utf8')
          res.on('data', (c: string) => (t += c))
          res.on('end', () => resolve(t))
        },
      )
      req.on('error', reject)
      req.end(lines)
    })
    expect(Buffer.byteLength(text)).toBeLessThan(256 * 1024)
    const body = JSON.parse(text) as { accepted: number; rejected: number; results: unknown[]; resultsOmitted: number }
    expect(body).toMatchObject({ ok: false, accepted: 1, rejected: 512 * 1024 - 200, resultsOmitted: 512 * 1024 - 199 - MAX_RESULTS })
    expect(body.results).toHaveLength(MAX_RESULTS)
    expect(body.results[0]).toEqual({ ok: false, index: 0, error: 'line is not a JSON object' })
    expect(totals(rig.store)).toMatchObject({ input: 3, requests: 1 })
  })

  it('accepts one JSON object', async () => {
    const s = await start()
    const r = await post(s.port, JSON.stringify(ev('a', 10)), JSON_TYPE)
    expect(r).toEqual({ status: 200, body: { ok: true, accepted: 1, rejected: 0, results: [{ ok: true, id: 'a' }] } })
    expect(totals(rig.store)).toMatchObject({ input: 10, output: 1, requests: 1 })
    expect(rig.store.db.prepare('SELECT source, user_id, ts FROM usage_events').get()).toEqual({
      source: 'http',
      user_id: 'tester',
      ts: NOW,
    })
  })

  it('accepts a JSON array, counting a repeated id once', async () => {
    const s = await start()
    const r = await post(s.port, JSON.stringify([ev('a', 10), ev('b', 20), ev('a', 10)]), {
      'content-type': 'application/json; charset=utf-8',
    })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ ok: true, accepted: 3, rejected: 0 })
    expect(totals(rig.store)).toMatchObject({ input: 30, output: 2, requests: 2 })
  })

  it('accepts NDJSON, with per-line errors naming the field (partial: 200, ok false)', async () => {
    const s = await start()
    const body = [JSON.stringify(ev('a', 1)), '', JSON.stringify({ ...ev('b', 2), output: -1 }), 'nope', JSON.stringify(ev('c', 3))].join(
      '\r\n',
    )
    const r = await post(s.port, body, { 'content-type': 'application/x-ndjson' })
    expect(r).toEqual({
      status: 200,
      body: {
        ok: false,
        accepted: 2,
        rejected: 2,
        results: [
          { ok: true, id: 'a' },
          { ok: false, index: 1, id: 'b', error: 'output: must be a non-negative integer' },
          { ok: false, index: 2, error: 'line is not a JSON object' },
          { ok: true, id: 'c' },
        ],
      },
    })
    expect(totals(rig.store)).toMatchObject({ input: 4, requests: 2 })
  })

  it('answers 400 when nothing is valid, and stores nothing', async () => {
    const s = await start()
    expect(await post(s.port, JSON.stringify({ model: 'm' }), JSON_TYPE)).toEqual({
      status: 400,
      body: { ok: false, accepted: 0, rejected: 1, results: [{ ok: false, index: 0, error: 'agentId: required' }] },
    })
    expect(await post(s.port, '{"agentId":', JSON_TYPE)).toEqual({
      status: 400,
      body: { ok: false, error: 'body is not valid JSON (send application/x-ndjson for one event per line)' },
    })
    expect(await post(s.port, '[]', JSON_TYPE)).toEqual({ status: 400, body: { ok: false, error: 'no events in the body' } })
    expect(totals(rig.store).requests).toBe(0)
  })

  it('refuses any request with an Origin header, even a loopback one', async () => {
    const s = await start()
    for (const origin of [`http://127.0.0.1:${s.port}`, 'https://evil.example', 'null']) {
      expect(await post(s.port, JSON.stringify(ev('a', 1)), { ...JSON_TYPE, origin })).toEqual({
        status: 403,
        body: { ok: false, error: 'requests from web pages (with an Origin header) are refused' },
      })
    }
    expect(totals(rig.store).requests).toBe(0)
  })

  it('refuses a Host that is not a loopback name with our port (DNS rebinding)', async () => {
    const s = await start()
    for (const host of ['evil.example', `evil.example:${s.port}`, '127.0.0.1', `127.0.0.1:${s.port + 1}`]) {
      const r = await post(s.port, JSON.stringify(ev('a', 1)), { ...JSON_TYPE, host })
      expect([r.status, r.body.error]).toEqual([403, 'host not allowed: use 127.0.0.1, localhost or [::1] with the port'])
    }
    for (const host of [`localhost:${s.port}`, `[::1]:${s.port}`]) {
      expect((await post(s.port, JSON.stringify(ev(host, 1)), { ...JSON_TYPE, host })).status).toBe(200)
    }
  })

  it('refuses other content types with 415 (a form post cannot reach it)', async () => {
    const s = await start()
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp']) {
      const r = await post(s.port, JSON.stringify(ev('a', 1)), { 'content-type': type })
      expect(r.status).toBe(415)
    }
    expect(totals(rig.store).requests).toBe(0)
  })

  it('refuses a body over the limit with 413, by declared length or while streaming', async () => {
    const s = await start(1024)
    const big = JSON.stringify({ ...ev('a', 1), project: 'x'.repeat(2000) })
    expect((await post(s.port, big, JSON_TYPE)).status).toBe(413)
    expect((await post(s.port, big, { ...JSON_TYPE, 'transfer-encoding': 'chunked' })).status).toBe(413)
    expect((await post(s.port, JSON.stringify(ev('small', 1)), JSON_TYPE)).status).toBe(200)
    expect(totals(rig.store).requests).toBe(1)
  })

  it('answers other methods with 405 and other paths with 404', async () => {
    const s = await start()
    expect((await post(s.port, '', JSON_TYPE, '/v1/usage', 'GET')).status).toBe(405)
    expect((await post(s.port, '{}', JSON_TYPE, '/api/report')).status).toBe(404)
  })

  it('binds loopback only', async () => {
    rig = makeRig()
    await expect(startIngestHttp({ writer: rig.writer, userId: 'x', host: '0.0.0.0' })).rejects.toThrow(/loopback only/)
  })
})
