import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { startIngestHttp } from '../../../src/engine/web/http-ingest'
import { decodeLine } from '../../../src/engine/push/decode-event'
import { createLineSplitter } from '../../../src/engine/push/line-splitter'
import { lineConn, makeRig, NOW, serve, totals, type Rig } from './helpers'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.cleanup()
  rig = undefined
})

/** An event line whose id is `before`, the raw byte `b`, `after`: not valid UTF-8 when b >= 0x80 alone. */
function lineWithByte(b: number): Buffer {
  return Buffer.concat([Buffer.from('{"id":"x'), Buffer.from([b]), Buffer.from('","agentId":"bot","model":"m-1","input":5}')])
}

function post(port: number, body: Buffer, type: string): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/v1/usage', method: 'POST', headers: { host: `127.0.0.1:${port}`, 'content-type': type } },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (t: string) => (text += t))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> }))
      },
    )
    req.on('error', reject)
    req.end(body)
  })
}

describe('pushed ids that are not valid UTF-8 are refused, not merged', () => {
  it('the splitter marks a line with an invalid byte sequence instead of decoding it to U+FFFD', () => {
    const s = createLineSplitter()
    const out = s.push(Buffer.concat([lineWithByte(0xff), Buffer.from('\n'), Buffer.from('{"ok":"é"}\n')]))
    expect(out).toEqual([{ kind: 'invalid-utf8' }, { kind: 'line', text: '{"ok":"é"}' }])
    // Split across chunks (the held path) too.
    expect(s.push(lineWithByte(0xfe).subarray(0, 9))).toEqual([])
    expect(s.push(Buffer.concat([lineWithByte(0xfe).subarray(9), Buffer.from('\r\n')]))).toEqual([{ kind: 'invalid-utf8' }])
  })

  it('socket: \\xff and \\xfe ids are both refused (they would both become U+FFFD); the connection keeps working', async () => {
    const r = (rig = makeRig())
    await serve(r)
    const c = await lineConn(r.socketPath)
    c.write(Buffer.concat([lineWithByte(0xff), Buffer.from('\n'), lineWithByte(0xfe), Buffer.from('\n')]))
    expect(await c.replies(2)).toEqual([
      { ok: false, error: 'line: not valid UTF-8 (refused)' },
      { ok: false, error: 'line: not valid UTF-8 (refused)' },
    ])
    c.write('{"id":"fine","agentId":"bot","model":"m-1","input":7}\n')
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'fine' }])
    c.end()
    expect(totals(r.store)).toMatchObject({ input: 7, requests: 1 })
  })

  it('HTTP: a body that is not valid UTF-8 is refused whole with 400, and nothing is stored', async () => {
    const g = (rig = makeRig())
    const s = await startIngestHttp({ writer: g.writer, userId: 'tester', now: () => NOW })
    g.defer(() => s.close())
    for (const type of ['application/json', 'application/x-ndjson']) {
      const r = await post(s.port, lineWithByte(0xff), type)
      expect(r).toEqual({ status: 400, body: { ok: false, error: 'body is not valid UTF-8' } })
    }
    expect(g.store.db.prepare('SELECT COUNT(*) AS n FROM usage_events').get()).toEqual({ n: 0 })
  })

  it('a lone surrogate escaped in JSON (stored as U+FFFD) is refused in any string field', () => {
    const d = { userId: 'u', source: 'socket' } as const
    expect(decodeLine('{"id":"a\\udcff","agentId":"bot","model":"m","input":1}', NOW, d)).toEqual({
      ok: false,
      error: 'id: must be valid Unicode (it holds a lone surrogate)',
      reason: 'bad-field',
    })
    expect(decodeLine('{"id":"b","agentId":"bot\\ud800","model":"m","input":1}', NOW, d)).toMatchObject({
      ok: false,
      error: 'agentId: must be valid Unicode (it holds a lone surrogate)',
      id: 'b',
    })
    // A proper pair (an emoji) is fine.
    expect(decodeLine('{"id":"a\\ud83d\\ude00","agentId":"bot","model":"m","input":1}', NOW, d)).toMatchObject({ ok: true, id: 'a😀' })
  })
})
