/** Token metrics: temporality, resets, and counted only where no per-request events cover them. */
import { afterEach, describe, expect, it } from 'vitest'
import { kv, logsBody, otlpRig, postJson, totals, type OtlpRig } from './rig'

let rig: OtlpRig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

const T0 = 1796300000000000000n
const ns = (s: number): string => String(T0 + BigInt(s) * 1_000_000_000n)

/** A claude_code.token.usage sum with these points: [type, value, start s, time s]. */
function tokenSum(service: string, temporality: 1 | 2, points: [string, number, number, number][]): unknown {
  return {
    resourceMetrics: [
      {
        resource: { attributes: kv({ 'service.name': service }) },
        scopeMetrics: [
          {
            scope: { name: 'com.anthropic.claude_code' },
            metrics: [
              {
                name: 'claude_code.token.usage',
                unit: 'tokens',
                sum: {
                  aggregationTemporality: temporality,
                  isMonotonic: true,
                  dataPoints: points.map(([type, v, start, time]) => ({
                    attributes: kv({ type, model: 'claude-sonnet-4-5', 'session.id': 's-1' }),
                    startTimeUnixNano: ns(start),
                    timeUnixNano: ns(time),
                    asDouble: v,
                  })),
                },
              },
              {
                name: 'claude_code.session.count',
                sum: {
                  aggregationTemporality: temporality,
                  isMonotonic: true,
                  dataPoints: [{ startTimeUnixNano: ns(0), timeUnixNano: ns(10), asInt: '1' }],
                },
              },
            ],
          },
        ],
      },
    ],
  }
}

describe('token metrics', () => {
  it('cumulative: differences per series; a retry adds nothing; a new start time or a lower value is a reset', async () => {
    rig = await otlpRig({ holdMs: 0 })
    const port = rig.receiver.port
    const first = tokenSum('claude-code-ci', 2, [
      ['input', 100, 0, 10],
      ['output', 10, 0, 10],
    ])
    expect((await postJson(port, '/v1/metrics', first)).status).toBe(200)
    expect((await postJson(port, '/v1/metrics', first, true)).status).toBe(200)
    expect(
      (
        await postJson(
          port,
          '/v1/metrics',
          tokenSum('claude-code-ci', 2, [
            ['input', 150, 0, 20],
            ['output', 10, 0, 20],
          ]),
        )
      ).status,
    ).toBe(200)
    // The process restarted: a new start time, the counter from 0 again.
    expect(
      (
        await postJson(
          port,
          '/v1/metrics',
          tokenSum('claude-code-ci', 2, [
            ['input', 30, 25, 30],
            ['output', 5, 25, 30],
          ]),
        )
      ).status,
    ).toBe(200)
    // Same start, lower value: a reset too (the SDK lost its state).
    expect((await postJson(port, '/v1/metrics', tokenSum('claude-code-ci', 2, [['input', 7, 25, 40]]))).status).toBe(200)
    rig.ingest.flushHeld(true)
    expect(totals(rig.store)).toMatchObject({ input: 187, output: 15, requests: 4 })
  })

  it('delta: each point adds; a retry of the same export counts once', async () => {
    rig = await otlpRig({ holdMs: 0 })
    const a = tokenSum('claude-code-ci', 1, [
      ['input', 100, 0, 10],
      ['cacheRead', 900, 0, 10],
    ])
    await postJson(rig.receiver.port, '/v1/metrics', a)
    await postJson(rig.receiver.port, '/v1/metrics', a)
    await postJson(rig.receiver.port, '/v1/metrics', tokenSum('claude-code-ci', 1, [['input', 50, 10, 20]]))
    rig.ingest.flushHeld(true)
    expect(totals(rig.store)).toMatchObject({ input: 150, cacheRead: 900, requests: 2 })
  })

  it('a service that sends per-request events: its token metric is held, then dropped as covered', async () => {
    rig = await otlpRig({ holdMs: 60_000 })
    const port = rig.receiver.port
    expect(
      (
        await postJson(
          port,
          '/v1/metrics',
          tokenSum('claude-code', 1, [
            ['input', 100, 0, 10],
            ['output', 20, 0, 10],
          ]),
        )
      ).status,
    ).toBe(200)
    // Held: not stored yet.
    rig.ingest.flushHeld()
    expect(totals(rig.store).requests).toBe(0)
    // The same request's event arrives within the hold.
    const event = logsBody({ 'service.name': 'claude-code' }, [
      { attrs: { 'event.name': 'api_request', request_id: 'req_1', model: 'claude-sonnet-4-5', input_tokens: 100, output_tokens: 20 } },
    ])
    expect((await postJson(port, '/v1/logs', event)).status).toBe(200)
    rig.clock.now += 61_000
    rig.ingest.flushHeld()
    expect(totals(rig.store)).toMatchObject({ input: 100, output: 20, requests: 1 })
    const svc = rig.store.db.prepare("SELECT received, usage, skip_reasons FROM otlp_services WHERE service = 'claude-code'").get() as {
      received: number
      usage: number
      skip_reasons: string
    }
    expect({ ...svc, skip_reasons: JSON.parse(svc.skip_reasons) }).toEqual({
      received: 4,
      usage: 1,
      skip_reasons: { 'not-usage': 1, 'covered-by-events': 1 },
    })
    expect(rig.store.db.prepare('SELECT count(*) FROM otlp_held').pluck().get()).toBe(0)
  })

  it('a metrics-only service counts after the hold; a held point survives a restart', async () => {
    rig = await otlpRig({ holdMs: 60_000 })
    const dbPath = rig.store.path
    await postJson(rig.receiver.port, '/v1/metrics', tokenSum('claude-code-ci', 1, [['input', 100, 0, 10]]))
    await rig.close()
    rig = await otlpRig({ holdMs: 60_000 }, dbPath)
    rig.clock.now += 61_000
    rig.ingest.flushHeld()
    expect(totals(rig.store)).toMatchObject({ input: 100, requests: 1 })
  })

  it('an agent whose logs are read here: its token metrics would count twice and are skipped', async () => {
    rig = await otlpRig({ holdMs: 0, logSourceActive: (a) => a === 'claude-code' })
    await postJson(rig.receiver.port, '/v1/metrics', tokenSum('claude-code', 1, [['input', 100, 0, 10]]))
    rig.ingest.flushHeld(true)
    expect(totals(rig.store).requests).toBe(0)
    expect(JSON.parse(rig.store.db.prepare('SELECT skip_reasons FROM otlp_services').pluck().get() as string)).toEqual({
      'log-source-twin': 1,
      'not-usage': 1,
    })
  })

  it('gen_ai.client.token.usage histogram: its sum counts (not its count); input includes cache, no split', async () => {
    rig = await otlpRig({ holdMs: 0 })
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: kv({ 'service.name': 'rag-app' }) },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'gen_ai.client.token.usage',
                  unit: '{token}',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        attributes: kv({
                          'gen_ai.token.type': 'input',
                          'gen_ai.request.model': 'gpt-4.1-mini',
                          'gen_ai.provider.name': 'openai',
                          'gen_ai.operation.name': 'chat',
                        }),
                        startTimeUnixNano: ns(0),
                        timeUnixNano: ns(60),
                        count: '3',
                        sum: 4200,
                        bucketCounts: ['0', '3'],
                        explicitBounds: [1],
                      },
                      {
                        attributes: kv({
                          'gen_ai.token.type': 'output',
                          'gen_ai.request.model': 'gpt-4.1-mini',
                          'gen_ai.provider.name': 'openai',
                          'gen_ai.operation.name': 'chat',
                        }),
                        startTimeUnixNano: ns(0),
                        timeUnixNano: ns(60),
                        count: '3',
                        sum: 610,
                      },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    }
    expect((await postJson(rig.receiver.port, '/v1/metrics', body)).status).toBe(200)
    rig.ingest.flushHeld(true)
    expect(totals(rig.store)).toMatchObject({ input: 4200, output: 610, requests: 1 })
    expect(rig.store.db.prepare('SELECT agent_id, model FROM usage_events').get()).toEqual({ agent_id: 'rag-app', model: 'gpt-4.1-mini' })
  })
})
