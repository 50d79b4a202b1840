/**
 * The real OpenTelemetry JS exporters (the 0.223 / 2.12 line that runs on Node 20), over
 * OTLP/HTTP JSON and protobuf, posting into the real receiver and a real store.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { OTLPLogExporter as JsonLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { OTLPLogExporter as ProtoLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtoTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http'
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto'
import { AggregationTemporalityPreference } from '@opentelemetry/exporter-metrics-otlp-http'
import { BasicTracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base'
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { SpanKind } from '@opentelemetry/api'
import { otlpRig, totals, type OtlpRig } from './rig'

let rig: OtlpRig | undefined
afterEach(async () => {
  await rig?.close()
  rig = undefined
})

type Protocol = 'json' | 'protobuf'
const PROTOCOLS: Protocol[] = ['json', 'protobuf']

function logProvider(url: string, protocol: Protocol, resource: Record<string, string>): LoggerProvider {
  const exporter = protocol === 'json' ? new JsonLogExporter({ url: `${url}/v1/logs` }) : new ProtoLogExporter({ url: `${url}/v1/logs` })
  return new LoggerProvider({ resource: resourceFromAttributes(resource), processors: [new SimpleLogRecordProcessor({ exporter })] })
}

/** A Claude Code `claude_code.api_request` event as Claude Code emits it (docs/monitoring-usage.md). */
function claudeRequest(
  id: string,
  input: number,
  output: number,
  cacheRead: number,
  cacheWrite: number,
  at: Date,
): Record<string, string | number> {
  return {
    'event.name': 'api_request',
    'event.timestamp': at.toISOString(),
    'event.sequence': Number(id.slice(-1)),
    'session.id': 'sess-1',
    'user.id': 'u-anon',
    model: 'claude-sonnet-4-5',
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: cacheRead,
    cache_creation_tokens: cacheWrite,
    cost_usd: 0.5,
    duration_ms: 1200,
    request_id: id,
  }
}

describe('real OTel JS log exporters', () => {
  for (const protocol of PROTOCOLS) {
    it(`Claude Code api_request events over ${protocol}: exact totals, priced, a resend counts once`, async () => {
      rig = await otlpRig()
      const provider = logProvider(rig.receiver.url, protocol, { 'service.name': 'claude-code', 'tokenwatch.project': '/work/app' })
      const logger = provider.getLogger('com.anthropic.claude_code.events')
      const at = new Date(Date.UTC(2026, 10, 20, 9, 30))
      logger.emit({ body: 'claude_code.api_request', attributes: claudeRequest('req_011A', 1000, 200, 5000, 300, at) })
      logger.emit({ body: 'claude_code.api_request', attributes: claudeRequest('req_011B', 10, 20, 0, 0, at) })
      // The same request again (an exporter retry after a lost reply): same request id.
      logger.emit({ body: 'claude_code.api_request', attributes: claudeRequest('req_011A', 1000, 200, 5000, 300, at) })
      // Not usage: a tool result, and compaction's approximate token numbers.
      logger.emit({ body: 'claude_code.tool_result', attributes: { 'event.name': 'tool_result', tool_name: 'Read' } })
      logger.emit({ body: 'claude_code.compaction', attributes: { 'event.name': 'compaction', pre_tokens: 90000, post_tokens: 20000 } })
      await provider.forceFlush()
      await provider.shutdown()
      const t = totals(rig.store)
      expect(t).toMatchObject({ input: 1010, output: 220, cacheRead: 5000, cacheWrite: 300, requests: 2, unpricedTokens: 0 })
      // claude-sonnet-4-5 at $3 / $15 / $0.30 / $3.75 per million.
      expect(t.costUsd).toBeCloseTo((1010 * 3 + 220 * 15 + 5000 * 0.3 + 300 * 3.75) / 1e6, 9)
      const row = rig.store.db
        .prepare('SELECT source, agent_id, user_id, project, session_id, ts FROM usage_events WHERE key = ?')
        .get('otlp:cc:req_011A')
      expect(row).toEqual({
        source: 'otlp',
        agent_id: 'claude-code',
        user_id: 'u-anon',
        project: '/work/app',
        session_id: 'sess-1',
        ts: at.getTime(),
      })
      const svc = rig.store.db.prepare('SELECT received, usage, skip_reasons FROM otlp_services WHERE service = ?').get('claude-code') as {
        received: number
        usage: number
        skip_reasons: string
      }
      expect(svc.received).toBe(5)
      expect(svc.usage).toBe(3)
      expect(JSON.parse(svc.skip_reasons)).toEqual({ 'not-usage': 1, 'never-count': 1 })
    })
  }

  it('an unknown model is stored unpriced, never $0', async () => {
    rig = await otlpRig()
    const provider = logProvider(rig.receiver.url, 'protobuf', { 'service.name': 'my-app' })
    provider.getLogger('x').emit({
      eventName: 'gen_ai.client.inference.operation.details',
      attributes: {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'acme',
        'gen_ai.response.model': 'acme-large-9',
        'gen_ai.usage.input_tokens': 700,
        'gen_ai.usage.output_tokens': 30,
        'gen_ai.usage.cache_read.input_tokens': 200,
      },
    })
    await provider.forceFlush()
    await provider.shutdown()
    // costUsd covers priced usage only: the 730 tokens are unpriced, and the ledger's cost is NULL.
    expect(totals(rig.store)).toMatchObject({ input: 500, output: 30, cacheRead: 200, requests: 1, costUsd: 0, unpricedTokens: 730 })
    expect(rig.store.db.prepare('SELECT cost_nusd FROM usage_events').pluck().get()).toBeNull()
  })
})

describe('real OTel JS trace exporters', () => {
  for (const protocol of PROTOCOLS) {
    it(`GenAI chat spans over ${protocol}: input made exclusive, invoke_agent summaries and tool spans skipped`, async () => {
      rig = await otlpRig()
      const exporter =
        protocol === 'json'
          ? new JsonTraceExporter({ url: `${rig.receiver.url}/v1/traces` })
          : new ProtoTraceExporter({ url: `${rig.receiver.url}/v1/traces` })
      const provider = new BasicTracerProvider({
        resource: resourceFromAttributes({ 'service.name': 'github-copilot', 'tokenwatch.project': 'web' }),
        spanProcessors: [new SimpleSpanProcessor(exporter)],
      })
      const tracer = provider.getTracer('copilot')
      const agent = tracer.startSpan('invoke_agent copilot', {
        attributes: { 'gen_ai.operation.name': 'invoke_agent', 'gen_ai.usage.input_tokens': 99999, 'gen_ai.usage.output_tokens': 9999 },
      })
      const chat = tracer.startSpan('chat gpt-5.1', {
        kind: SpanKind.CLIENT,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.provider.name': 'openai',
          'gen_ai.request.model': 'gpt-5.1',
          'gen_ai.response.model': 'gpt-5.1',
          'gen_ai.usage.input_tokens': 12000,
          'gen_ai.usage.cache_read.input_tokens': 8000,
          'gen_ai.usage.output_tokens': 400,
          'gen_ai.conversation.id': 'conv-9',
          'enduser.id': 'ada',
        },
      })
      chat.end()
      tracer.startSpan('execute_tool read_file', { attributes: { 'gen_ai.operation.name': 'execute_tool' } }).end()
      agent.end()
      await provider.forceFlush()
      await provider.shutdown()
      expect(totals(rig.store)).toMatchObject({ input: 4000, output: 400, cacheRead: 8000, cacheWrite: 0, requests: 1 })
      const row = rig.store.db.prepare('SELECT agent_id, user_id, session_id, project, model FROM usage_events').get()
      expect(row).toEqual({ agent_id: 'copilot-cli', user_id: 'ada', session_id: 'conv-9', project: 'web', model: 'gpt-5.1' })
      // The span's own ids, as hex from either encoding (bytes in protobuf): its log twin gets the same key.
      const ctx = chat.spanContext()
      expect(rig.store.db.prepare('SELECT key FROM usage_events').pluck().get()).toBe(`otlp:span:${ctx.traceId}:${ctx.spanId}`)
    })
  }
})

describe('real OTel JS metric exporters', () => {
  for (const protocol of PROTOCOLS) {
    for (const temporality of ['delta', 'cumulative'] as const) {
      it(`claude_code.token.usage over ${protocol}, ${temporality}: two exports and the shutdown re-export count each token once`, async () => {
        rig = await otlpRig({ holdMs: 0 })
        const pref = temporality === 'delta' ? AggregationTemporalityPreference.DELTA : AggregationTemporalityPreference.CUMULATIVE
        const exporter =
          protocol === 'json'
            ? new JsonMetricExporter({ url: `${rig.receiver.url}/v1/metrics`, temporalityPreference: pref })
            : new ProtoMetricExporter({ url: `${rig.receiver.url}/v1/metrics`, temporalityPreference: pref })
        const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })
        const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': 'claude-code-ci' }), readers: [reader] })
        const counter = provider.getMeter('com.anthropic.claude_code').createCounter('claude_code.token.usage', { unit: 'tokens' })
        const add = (n: number, type: string): void => counter.add(n, { type, model: 'claude-sonnet-4-5', 'session.id': 's-ci' })
        add(1000, 'input')
        add(300, 'output')
        add(4000, 'cacheRead')
        await reader.forceFlush()
        add(500, 'input')
        add(100, 'output')
        add(600, 'cacheCreation')
        await reader.forceFlush()
        // Shutdown exports once more: cumulative totals unchanged, or empty deltas.
        await provider.shutdown()
        rig.ingest.flushHeld(true)
        expect(totals(rig.store)).toMatchObject({
          input: 1500,
          output: 400,
          cacheRead: 4000,
          cacheWrite: 600,
          requests: 2,
          unpricedTokens: 0,
        })
      })
    }
  }
})
