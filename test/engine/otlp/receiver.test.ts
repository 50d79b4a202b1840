/** The receiver's answers as the OTLP/HTTP specification requires, over real sockets. */
import { afterEach, describe, expect, it } from 'vitest'
import { gzipSync } from 'node:zlib'
import { connect } from 'node:net'
import { decodeResponse, decodeStatus } from '../../../src/engine/otlp/proto'
import { startOtlpReceiver } from '../../../src/engine/otlp/receiver'
import { logsBody, otlpRig, post, postJson, totals, type OtlpRig } from './rig'

let rig: OtlpRig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const CLAUDE = { 'service.name': 'claude-code' }
const request = (id: string, input: number) => ({
  attrs: { 'event.name': 'api_request', request_id: id, model: 'claude-sonnet-4-5', input_tokens: input, output_tokens: 1 },
})
const PB = { 'content-type': 'application/x-protobuf' }

describe('OTLP/HTTP receiver', () => {
  it('200 with an empty response in the request encoding; gzip accepted', async () => {
    rig = await otlpRig()
    const r = await postJson(rig.receiver.port, '/v1/logs', logsBody(CLAUDE, [request('req_1', 10)]), true)
    expect(r.status).toBe(200)
    expect(r.headers['content-type']).toBe('application/json')
    expect(JSON.parse(r.body.toString())).toEqual({})
    const empty = await post(rig.receiver.port, '/v1/traces', Buffer.alloc(0), PB)
    expect(empty.status).toBe(200)
    expect(empty.headers['content-type']).toBe('application/x-protobuf')
    expect(decodeResponse('traces', empty.body)).toEqual({})
    expect(totals(rig.store)).toMatchObject({ input: 10, output: 1, requests: 1 })
  })

  it('partial success: bad token counts are rejected and counted, the rest stored', async () => {
    rig = await otlpRig()
    const bad = { attrs: { 'event.name': 'api_request', request_id: 'req_bad', model: 'm', input_tokens: -5, output_tokens: 1 } }
    const r = await postJson(rig.receiver.port, '/v1/logs', logsBody(CLAUDE, [request('req_1', 10), bad, request('req_2', 5)]))
    expect(r.status).toBe(200)
    expect(JSON.parse(r.body.toString())).toEqual({
      partialSuccess: { rejectedLogRecords: '1', errorMessage: '1 with token counts that are not non-negative integers up to 1e9' },
    })
    expect(totals(rig.store)).toMatchObject({ input: 15, requests: 2 })
    const svc = rig.store.db.prepare('SELECT received, usage, skip_reasons FROM otlp_services').get() as {
      received: number
      usage: number
      skip_reasons: string
    }
    expect({ ...svc, skip_reasons: JSON.parse(svc.skip_reasons) }).toEqual({ received: 3, usage: 2, skip_reasons: { 'bad-tokens': 1 } })
  })

  it('400 for undecodable bodies (garbage protobuf, bad JSON, bad gzip, wrong shape), nothing stored', async () => {
    rig = await otlpRig()
    const port = rig.receiver.port
    const garbage = await post(port, '/v1/logs', Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), PB)
    expect(garbage.status).toBe(400)
    expect(garbage.headers['content-type']).toBe('application/x-protobuf')
    expect(decodeStatus(garbage.body)).toMatchObject({ code: 3 })
    expect((await post(port, '/v1/metrics', '{"resourceMetrics": [', { 'content-type': 'application/json' })).status).toBe(400)
    expect((await post(port, '/v1/logs', 'not gzip', { 'content-type': 'application/json', 'content-encoding': 'gzip' })).status).toBe(400)
    const shape = await postJson(port, '/v1/logs', { resourceLogs: { not: 'a list' } })
    expect(shape.status).toBe(400)
    expect(JSON.parse(shape.body.toString())).toEqual({ code: 3, message: 'not an OTLP logs request: resourceLogs: must be a list' })
    expect((await postJson(port, '/v1/logs', [1, 2])).status).toBe(400)
    expect(totals(rig.store).requests).toBe(0)
  })

  it('415 for other content types and encodings, 405 for other methods, 404 for other paths', async () => {
    rig = await otlpRig()
    const port = rig.receiver.port
    // What a web page can send without a preflight.
    expect((await post(port, '/v1/logs', 'a=1', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415)
    expect((await post(port, '/v1/logs', '{}', { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await post(port, '/v1/logs', '{}', { 'content-type': 'application/json', 'content-encoding': 'br' })).status).toBe(415)
    const get = await post(port, '/v1/logs', '', {}, 'GET')
    expect(get.status).toBe(405)
    expect(get.headers.allow).toBe('POST')
    expect((await postJson(port, '/v1/usage', {})).status).toBe(404)
  })

  it('403 for a foreign Host (DNS rebinding) or any Origin (a web page)', async () => {
    rig = await otlpRig()
    const port = rig.receiver.port
    const body = JSON.stringify(logsBody(CLAUDE, [request('req_1', 10)]))
    expect((await post(port, '/v1/logs', body, { 'content-type': 'application/json', host: `evil.example:${port}` })).status).toBe(403)
    expect((await post(port, '/v1/logs', body, { 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(403)
    expect((await post(port, '/v1/logs', body, { 'content-type': 'application/json', origin: 'null' })).status).toBe(403)
    expect((await post(port, '/v1/logs', body, { 'content-type': 'application/json', host: `localhost:${port}` })).status).toBe(200)
    expect(totals(rig.store).requests).toBe(1)
  })

  it('413 over the size limit: declared, streamed, and after decompression (a gzip bomb)', async () => {
    rig = await otlpRig()
    await rig.receiver.close()
    const small = await startOtlpReceiver({ ingest: rig.ingest, port: 0, maxBodyBytes: 64 * 1024 })
    try {
      const big = Buffer.alloc(65 * 1024, 0x20)
      expect((await post(small.port, '/v1/logs', big, { 'content-type': 'application/json' })).status).toBe(413)
      const bomb = gzipSync(Buffer.alloc(10 * 1024 * 1024, 0x20))
      expect(bomb.length).toBeLessThan(64 * 1024)
      const r = await post(small.port, '/v1/logs', bomb, { 'content-type': 'application/json', 'content-encoding': 'gzip' })
      expect(r.status).toBe(413)
      expect(JSON.parse(r.body.toString()).message).toBe('body larger than 65536 bytes after decompression')
    } finally {
      await small.close()
    }
  })

  it('a client that stalls mid-body is cut off by the request timeout', async () => {
    rig = await otlpRig()
    await rig.receiver.close()
    const quick = await startOtlpReceiver({ ingest: rig.ingest, port: 0, limits: { requestTimeoutMs: 300, headersTimeoutMs: 300 } })
    try {
      const closed = await new Promise<string>((resolve) => {
        const s = connect(quick.port, '127.0.0.1', () => {
          s.write(
            `POST /v1/logs HTTP/1.1\r\nhost: 127.0.0.1:${quick.port}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"resourceLogs":`,
          )
        })
        let text = ''
        s.on('data', (d) => (text += d.toString()))
        s.on('close', () => resolve(text))
      })
      expect(closed).toMatch(/^HTTP\/1\.1 408/)
    } finally {
      await quick.close()
    }
  })

  it('says EADDRINUSE when the port is taken, and refuses non-loopback binds', async () => {
    rig = await otlpRig()
    await expect(startOtlpReceiver({ ingest: rig.ingest, port: rig.receiver.port })).rejects.toMatchObject({ code: 'EADDRINUSE' })
    await expect(startOtlpReceiver({ ingest: rig.ingest, host: '0.0.0.0', port: 0 })).rejects.toThrow('loopback only')
  })
})
