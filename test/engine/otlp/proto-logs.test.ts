/**
 * The lean logs decoder (src/engine/otlp/proto-logs.ts) against protobufjs's full decode, which
 * the receiver used before: the same records (records.ts) and the same usage events or skips
 * (map.ts) on the research notes' shapes (otel-and-scale.md §7, agents-and-otel-2026-12.md §5),
 * and on the attribute kinds and absent fields an exporter may send; malformed bodies get the
 * full decoder's answer.
 */
import protobuf from 'protobufjs'
import { describe, expect, it } from 'vitest'
import { mapLogRecord } from '../../../src/engine/otlp/map'
import { OTLP_DESCRIPTOR } from '../../../src/engine/otlp/otlp-proto'
import { decodeProtobuf } from '../../../src/engine/otlp/proto'
import { decodeLogsLean } from '../../../src/engine/otlp/proto-logs'
import { logRecords } from '../../../src/engine/otlp/records'

const T = protobuf.Root.fromJSON(OTLP_DESCRIPTOR).lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
const encode = (body: unknown): Uint8Array => T.encode(T.fromObject(body as Record<string, unknown>)).finish()

type V = string | number | boolean | { bytes: string } | { array: V[] } | { kv: Record<string, V> } | { double: number } | null
function any(v: V): Record<string, unknown> {
  if (v === null) return {}
  if (typeof v === 'string') return { stringValue: v }
  if (typeof v === 'boolean') return { boolValue: v }
  if (typeof v === 'number') return { intValue: v }
  if ('double' in v) return { doubleValue: v.double }
  if ('bytes' in v) return { bytesValue: Buffer.from(v.bytes).toString('base64') }
  if ('array' in v) return { arrayValue: { values: v.array.map(any) } }
  return { kvlistValue: { values: Object.entries(v.kv).map(([key, x]) => ({ key, value: any(x) })) } }
}
const kv = (o: Record<string, V>) => Object.entries(o).map(([key, v]) => ({ key, value: any(v) }))

const NOW = Date.UTC(2026, 11, 3, 12)
const nanos = (ms: number) => String(BigInt(ms) * 1_000_000n)
const T0 = NOW - 60_000

/** Records as the agents send them (the research notes), and the edge cases of the wire. */
const RECORDS: Record<string, unknown>[] = [
  // Claude Code api_request (monitoring-usage.md), event.name without its prefix.
  {
    timeUnixNano: nanos(T0),
    observedTimeUnixNano: nanos(T0 + 5),
    body: { stringValue: 'claude_code.api_request' },
    attributes: kv({
      'event.name': 'api_request',
      'event.timestamp': new Date(T0).toISOString(),
      'event.sequence': 7,
      'session.id': 'sess-1',
      'user.email': 'a@example.com',
      model: 'claude-sonnet-4-5',
      request_id: 'req_011A',
      input_tokens: 12,
      output_tokens: 340,
      cache_read_tokens: 20000,
      cache_creation_tokens: 512,
      cost_usd: { double: 0.0123 },
      duration_ms: 900,
      speed: 'fast',
    }),
    severityNumber: 9,
    severityText: 'INFO',
    flags: 1,
    droppedAttributesCount: 2,
  },
  // Never counted, with a long prompt body to skip.
  {
    timeUnixNano: nanos(T0 + 1),
    body: { stringValue: 'x'.repeat(50_000) },
    attributes: kv({ 'event.name': 'api_request_body', request_id: 'req_2' }),
  },
  { timeUnixNano: nanos(T0 + 2), attributes: kv({ 'event.name': 'compaction', pre_tokens: 1000, post_tokens: 10 }) },
  { timeUnixNano: nanos(T0 + 3), attributes: kv({ 'event.name': 'subagent_completed', total_tokens: 99 }) },
  { attributes: kv({ 'event.name': 'user_prompt', prompt: 'secret text '.repeat(1000), prompt_length: 12000 }) },
  { attributes: kv({ 'event.name': 'assistant_response', model: 'm', request_id: 'req_3', 'message.uuid': 'u-1', response_length: 3 }) },
  // A bad token count and a bad time: rejected.
  { attributes: kv({ 'event.name': 'api_request', request_id: 'req_4', input_tokens: -1 }) },
  { timeUnixNano: '946684700000000000', attributes: kv({ 'event.name': 'api_request', request_id: 'req_5', input_tokens: '5' }) },
  // An id that is not a key: the content hash.
  { timeUnixNano: nanos(T0 + 6), attributes: kv({ 'event.name': 'api_request', request_id: 'has space', input_tokens: 3 }) },
  // Codex (codex-rs/otel): the event name in the body, conversation.id as the session.
  {
    timeUnixNano: nanos(T0 + 7),
    body: { stringValue: 'codex.sse_event' },
    attributes: kv({
      'event.kind': 'response.completed',
      'conversation.id': 'conv-9',
      model: 'gpt-5-codex',
      input_token_count: 1000,
      cached_token_count: 800,
      output_token_count: 50,
      reasoning_token_count: 20,
      tool_token_count: 0,
    }),
  },
  { timeUnixNano: nanos(T0 + 8), eventName: 'codex.sse_event', attributes: kv({ 'event.kind': 'response.created' }) },
  { attributes: kv({ 'event.name': 'codex.guardian.review', 'prompt.approx_tokens': 77 }) },
  // Gemini CLI 0.62: api_response, and its GenAI twin log.
  {
    timeUnixNano: nanos(T0 + 9),
    attributes: kv({
      'event.name': 'gemini_cli.api_response',
      'session.id': 'g-1',
      prompt_id: 'p-1',
      model: 'gemini-2.5-pro',
      input_token_count: 400,
      cached_content_token_count: 100,
      output_token_count: 30,
      thoughts_token_count: 12,
      tool_token_count: 4,
      interactive: true,
    }),
  },
  {
    timeUnixNano: nanos(T0 + 10),
    eventName: 'gen_ai.client.inference.operation.details',
    attributes: kv({ 'gen_ai.usage.input_tokens': 400, 'gen_ai.usage.output_tokens': 30, 'gen_ai.response.model': 'gemini-2.5-pro' }),
  },
  // Copilot CLI: a GenAI log carrying its chat span's context, and an invoke_agent summary.
  {
    timeUnixNano: nanos(T0 + 11),
    traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'),
    spanId: Buffer.from('b7ad6b7169203331', 'hex').toString('base64'),
    eventName: 'gen_ai.client.inference.operation.details',
    attributes: kv({
      'gen_ai.operation.name': 'chat',
      'gen_ai.usage.input_tokens': 1200,
      'gen_ai.usage.cache_read.input_tokens': 1000,
      'gen_ai.usage.output_tokens': 80,
      'gen_ai.request.model': 'gpt-4.1',
      'gen_ai.conversation.id': 'cp-1',
    }),
  },
  {
    eventName: 'copilot_chat.agent.turn',
    attributes: kv({ 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 5, 'gen_ai.usage.output_tokens': 1 }),
  },
  { attributes: kv({ 'gen_ai.usage.prompt_tokens': '10', 'gen_ai.usage.completion_tokens': 2.5, model: 'x' }) },
  // Every AnyValue kind, repeated and empty keys, an attribute without a value, an empty value.
  {
    timeUnixNano: nanos(T0 + 12),
    attributes: [
      ...kv({
        'event.name': 'gen_ai.client.inference.operation.details',
        'gen_ai.usage.input_tokens': 9,
        'gen_ai.usage.output_tokens': 1,
        list: { array: ['a', 1, true, { double: 1.5 }, null] },
        map: { kv: { a: 'b', n: 2, deep: { kv: { x: { array: [] } } } } },
        raw: { bytes: 'hello' },
        neg: -42,
        big: '9007199254740993',
        f: { double: -0.25 },
        t: true,
        no: false,
        empty: null,
        '': 'empty key',
      }),
      { key: 'novalue' },
      { key: 'gen_ai.usage.input_tokens', value: { intValue: 1000 } },
      { value: { stringValue: 'no key' } },
    ],
  },
  // int64 extremes; an all-absent record; a body that is not a string.
  {
    timeUnixNano: '18446744073709551615',
    attributes: kv({ big: 9007199254740991, min: '-9223372036854775808', max: '9223372036854775807' }),
  },
  {},
  { body: { kvlistValue: { values: [{ key: 'a', value: { intValue: 1 } }] } }, attributes: kv({ 'event.name': 'x' }) },
  { body: { intValue: 5 }, observedTimeUnixNano: nanos(T0 + 13), attributes: kv({ 'event.name': 'api_request', request_id: 'req_obs' }) },
]

function request(records: Record<string, unknown>[]) {
  return {
    resourceLogs: [
      {
        resource: {
          attributes: kv({ 'service.name': 'claude-code', 'service.version': '2.1.214', 'tokenwatch.project': 'proj' }),
          droppedAttributesCount: 1,
        },
        schemaUrl: 'https://opentelemetry.io/schemas/1.30.0',
        scopeLogs: [
          {
            scope: { name: 'com.anthropic.claude_code.events', version: '2.1', attributes: kv({ a: 1 }) },
            logRecords: records.slice(0, 9),
            schemaUrl: 's',
          },
          { logRecords: [] },
        ],
      },
      {
        resource: { attributes: kv({ 'service.name': 'codex_cli_rs' }) },
        scopeLogs: [{ scope: { name: 'codex' }, logRecords: records.slice(9, 12) }],
      },
      {
        resource: { attributes: kv({ 'service.name': 'gemini-cli', 'session.id': 'res-session' }) },
        scopeLogs: [{ logRecords: records.slice(12, 14) }],
      },
      {
        resource: { attributes: kv({ 'service.name': 'github-copilot', 'enduser.id': 'u-7' }) },
        scopeLogs: [{ scope: {}, logRecords: records.slice(14, 17) }],
      },
      { scopeLogs: [{ scope: { name: 's' }, logRecords: records.slice(17) }] },
      {},
    ],
  }
}

/** What the receiver read before: protobufjs's decoded messages, as they are. */
function full(bytes: Uint8Array): Record<string, unknown> {
  return T.decode(bytes) as unknown as Record<string, unknown>
}

const mapAll = (req: Record<string, unknown>) => logRecords(req).map((r) => mapLogRecord(r, { userId: 'tester', now: NOW }))

describe('lean OTLP/protobuf logs decoder', () => {
  it('reads the same records and maps them to the same events as the full decode', () => {
    const bytes = encode(request(RECORDS))
    const lean = decodeLogsLean(bytes)
    expect(logRecords(lean)).toEqual(logRecords(full(bytes)))
    const mapped = mapAll(lean)
    expect(mapped).toEqual(mapAll(full(bytes)))
    // The shapes did reach every outcome (not all skipped).
    const kinds = new Set(mapped.map((m) => (m.kind === 'usage' ? 'usage' : m.reason)))
    expect([...kinds].sort()).toEqual(['agent-summary', 'agent-twin', 'bad-time', 'bad-tokens', 'never-count', 'not-usage', 'usage'].sort())
    expect(mapped.filter((m) => m.kind === 'usage').length).toBeGreaterThanOrEqual(5)
  })

  it('is what decodeProtobuf hands the ingest for logs', () => {
    const bytes = encode(request(RECORDS))
    const d = decodeProtobuf('logs', bytes)
    expect(d.ok).toBe(true)
    if (d.ok) expect(d.value).toEqual(decodeLogsLean(bytes))
  })

  it('reads each record alone the same, and an empty request', () => {
    for (const r of RECORDS) {
      const bytes = encode(request([r]))
      expect(mapAll(decodeLogsLean(bytes))).toEqual(mapAll(full(bytes)))
    }
    expect(logRecords(decodeLogsLean(new Uint8Array(0)))).toEqual([])
  })

  it('reads a last-wins oneof and repeated singular fields as protobufjs does', () => {
    const w = protobuf.Writer.create()
    // LogRecord: time twice, event_name twice, an AnyValue body with string then int.
    const body = protobuf.Writer.create()
      .uint32((1 << 3) | 2)
      .string('first')
      .uint32(3 << 3)
      .int64(77)
      .finish()
    const rec = protobuf.Writer.create()
      .uint32((1 << 3) | 1)
      .fixed64(1)
      .uint32((1 << 3) | 1)
      .fixed64(2)
      .uint32((12 << 3) | 2)
      .string('a')
      .uint32((12 << 3) | 2)
      .string('claude_code.api_request')
      .uint32((5 << 3) | 2)
      .bytes(body)
      .uint32((99 << 3) | 0)
      .uint32(5) // an unknown field
      .finish()
    const scope = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(rec)
      .finish()
    const rl = protobuf.Writer.create()
      .uint32((2 << 3) | 2)
      .bytes(scope)
      .finish()
    const bytes = w
      .uint32((1 << 3) | 2)
      .bytes(rl)
      .finish()
    expect(logRecords(decodeLogsLean(bytes))).toEqual(logRecords(full(bytes)))
  })

  it('answers malformed bodies as the full decoder does', () => {
    const good = encode(request(RECORDS))
    const bodies = [
      good.subarray(0, good.length - 3),
      good.subarray(0, 7),
      Buffer.from('not protobuf at all, just text'),
      Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]),
      // resource_logs as a varint (wrong wire type).
      Buffer.from([0x08, 0x01]),
    ]
    for (const b of bodies) {
      let want: unknown
      try {
        want = { ok: true, records: mapAll(full(b)) }
      } catch (e) {
        want = { ok: false, error: (e as Error).message }
      }
      const d = decodeProtobuf('logs', b)
      const got = d.ok ? { ok: true, records: mapAll(d.value) } : { ok: false, error: d.error.replace(/^[^:]*: /, '') }
      expect(got).toEqual(want)
    }
  })
})
