/**
 * The engine runs the OTLP receiver: usage it takes reaches reports, change events and the
 * Sources panel; a live transcript of the same requests adds nothing; 4318 taken falls back to
 * the settings' port; the otlpEnabled setting opens and closes it.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { appendFileSync } from 'node:fs'
import { createEngineApi } from '../../../src/engine/api'
import { Engine } from '../../../src/engine/live/engine'
import { OtlpListener } from '../../../src/engine/live/otlp-listener'
import { createCoster } from '../../../src/engine/pricing/coster'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { openStore } from '../../../src/engine/store/open-store'
import { runReport } from '../../../src/engine/query/report'
import { eventually } from '../../helpers/eventually'
import { tempDir } from '../../helpers/temp'
import { logsBody, postJson } from '../otlp/rig'
import { liveSetup } from './support'
import { join } from 'node:path'

const closers: (() => Promise<unknown> | unknown)[] = []
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c()
})

function totals(engine: Engine) {
  const t = runReport(engine.store, { tz: 'UTC', groupBy: [] }).totals
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, requests: t.requests }
}

const event = (id: string, input: number, output: number, at: string) => ({
  body: 'claude_code.api_request',
  attrs: {
    'event.name': 'api_request',
    'event.timestamp': at,
    'session.id': 's1',
    request_id: `req_${id}`,
    model: 'claude-sonnet-4-20250514',
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: 100,
    cache_creation_tokens: 0,
  },
})

function transcriptLine(id: string, output: number, ts: string, input = 10): string {
  return (
    JSON.stringify({
      type: 'assistant',
      timestamp: ts,
      sessionId: 's1',
      cwd: '/work/app',
      requestId: `req_${id}`,
      message: {
        id: `msg_${id}`,
        model: 'claude-sonnet-4-20250514',
        usage: { input_tokens: input, output_tokens: output, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
      },
    }) + '\n'
  )
}

describe("the engine's OTLP receiver", () => {
  it('OTLP events and the live transcript of the same requests count once; the Sources panel lists the service', async () => {
    const s = liveSetup()
    const engine = await Engine.open({ env: s.env, changeDebounceMs: 5 })
    closers.push(() => engine.stop())
    await engine.start()
    const otlp = await engine.serveOtlp({ port: 0 })
    expect(otlp?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    let changes = 0
    engine.onChange(() => changes++)
    const port = Number(new URL(otlp?.url ?? '').port)
    expect(
      (
        await postJson(
          port,
          '/v1/logs',
          logsBody({ 'service.name': 'claude-code' }, [
            event('a', 10, 5, '2026-03-01T10:05:00Z'),
            event('b', 20, 7, '2026-03-01T10:06:00Z'),
          ]),
        )
      ).status,
    ).toBe(200)
    expect(totals(engine)).toEqual({ input: 30, output: 12, cacheRead: 200, requests: 2 })
    await eventually(() => expect(changes).toBeGreaterThan(0))
    // Claude Code writes the same two requests to its transcript (and one more).
    appendFileSync(
      s.log,
      transcriptLine('a', 5, '2026-03-01T10:05:00Z') +
        transcriptLine('b', 7, '2026-03-01T10:06:00Z', 20) +
        transcriptLine('c', 1, '2026-03-01T10:07:00Z', 1),
    )
    await eventually(() => expect(totals(engine)).toEqual({ input: 31, output: 13, cacheRead: 300, requests: 3 }))
    const api = createEngineApi(engine)
    const status = (await api.sourceStatus()).find((x) => x.source === 'otlp')
    expect(status).toMatchObject({ location: otlp?.url, found: true, skippedLines: 0 })
    expect(status?.services).toEqual([
      { service: 'claude-code', received: 2, usage: 2, skipped: {}, lastSeenAt: expect.any(Number) as number },
    ])
    // The transcript's names won: both requests are Claude Code's now.
    expect(runReport(engine.store, { tz: 'UTC', groupBy: ['source'] }).rows.map((r) => [r.source, r.requests])).toEqual([
      ['claude-code', 3],
    ])
  })

  it('the otlpEnabled setting closes and reopens the receiver', async () => {
    const s = liveSetup()
    const engine = await Engine.open({ env: s.env, watch: false })
    closers.push(() => engine.stop())
    // 4318 may be taken on this machine: the receiver falls back to the settings' port, here any free one.
    await engine.updateSettings({ otlpPort: 0 })
    const first = await engine.serveOtlp()
    expect(first).toBeDefined()
    await engine.updateSettings({ otlpEnabled: false })
    expect(engine.otlp).toBeUndefined()
    await engine.updateSettings({ otlpEnabled: true })
    expect(engine.otlp?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('says so when 4318 (here: a taken port) is taken and listens on the fallback port', async () => {
    const taken: Server = createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()))
    closers.push(() => new Promise((r) => taken.close(r)))
    const busy = (taken.address() as AddressInfo).port
    const store = openStore(join(tempDir(), 'db'))
    closers.push(() => store.close())
    const logs: string[] = []
    const listener = new OtlpListener({
      store,
      cost: createCoster(loadPriceTable()),
      userId: 'me',
      logSourceActive: () => false,
      onCommit: () => {},
      log: (m) => logs.push(m),
    })
    closers.push(() => listener.close())
    const l = await listener.open({ defaultPort: busy, fallbackPort: 0 })
    expect(l.fellBackFrom).toBe(busy)
    expect(l.port).not.toBe(busy)
    expect(logs).toEqual([`OTLP port ${busy} is taken (another collector?): receiving on ${l.url} instead; point agents there`])
    await listener.close()
    await expect(listener.open({ port: busy, fallbackPort: 0 })).rejects.toThrow(`OTLP port ${busy} is taken`)
    await expect(listener.open({ defaultPort: busy, fallbackPort: busy + 0 })).rejects.toMatchObject({ code: 'EADDRINUSE' })
  })
})
