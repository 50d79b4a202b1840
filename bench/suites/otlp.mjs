// Suite: the OpenTelemetry receiver (src/engine/otlp), OTLP/HTTP into the store.
//
// Bundles bench/entries/otlp.ts with esbuild into .bench/otlp/ and runs the receiver as its own
// process (store, price table, OTLP ingest, HTTP receiver; no log sources), then from this process
// posts Claude Code `claude_code.api_request` log records in requests of 512 (the OTel SDK's
// default export batch), one request at a time as an exporter does, every one with its own
// request id: first as OTLP/JSON, then as OTLP/protobuf (gzip off, as the SDK's default). Each
// reply must be 200 with no rejection. Afterwards the store must hold exactly what was sent.
// Target (issue #13): "at least the socket's rate": the socket suite's pipelined events/s when it ran
// in the same invocation (`--suite socket,otlp`), else the socket's own 50,000/s target.
//
// Suite options: --otlp-records N (default 100000, per encoding).

import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

import { bundleEntry, startEntry, stopEntry } from '../lib/entry-process.mjs'
import { table } from '../lib/measure.mjs'

export const name = 'otlp'
export const order = 55
export const description = 'OTLP/HTTP receiver: Claude Code log records/s into the store, JSON and protobuf'

const SOCKET_TARGET_RPS = 50_000
const BATCH = 512

const kv = (o) => Object.entries(o).map(([key, v]) => ({ key, value: typeof v === 'string' ? { stringValue: v } : { intValue: v } }))

export async function run(ctx) {
  const { repoRoot, benchDir, log, opts } = ctx
  const records = Math.max(BATCH, Number(opts.otlpRecords) || 100_000)
  const outDir = path.join(benchDir, 'otlp')
  fs.mkdirSync(path.join(benchDir, 'tmp'), { recursive: true })
  const home = fs.mkdtempSync(path.join(benchDir, 'tmp', 'otlp-'))
  const entry = await bundleEntry(repoRoot, 'bench/entries/otlp.ts', outDir, 'otlp-entry.cjs')
  const { encodeLogs } = createRequire(import.meta.url)(entry)
  const { child, ready } = await startEntry(entry, home, repoRoot, 'OTLP receiver')
  const url = `http://127.0.0.1:${ready.port}/v1/logs`
  const sent = { requests: 0, input: 0, output: 0, cacheRead: 0 }
  const t0 = Date.now() - 3_600_000
  let seq = 0
  const record = () => {
    const i = seq++
    const a = { input: 1 + (i % 500), output: 1 + (i % 1000), cacheRead: i % 20_000 }
    sent.requests++
    sent.input += a.input
    sent.output += a.output
    sent.cacheRead += a.cacheRead
    return {
      timeUnixNano: String(BigInt(t0 + (i % 3_600_000)) * 1_000_000n),
      body: { stringValue: 'claude_code.api_request' },
      attributes: kv({
        'event.name': 'api_request',
        'event.timestamp': new Date(t0 + (i % 3_600_000)).toISOString(),
        'event.sequence': i,
        'session.id': `s${i % 101}`,
        model: i % 3 ? 'claude-sonnet-4-5' : 'claude-haiku-4-5',
        request_id: `req_bench_${i}`,
        input_tokens: a.input,
        output_tokens: a.output,
        cache_read_tokens: a.cacheRead,
        cache_creation_tokens: 0,
        duration_ms: 900,
      }),
    }
  }
  const request = (n) => ({
    resourceLogs: [
      {
        resource: { attributes: kv({ 'service.name': 'claude-code' }) },
        scopeLogs: [{ scope: { name: 'com.anthropic.claude_code.events' }, logRecords: Array.from({ length: n }, record) }],
      },
    ],
  })
  const socketRate = ctx.earlier?.socket?.throughput?.eventsPerSec
  const TARGET_RPS = socketRate ?? SOCKET_TARGET_RPS
  const against = socketRate ? "the socket's rate this run" : "the socket's target"
  const result = { records, batch: BATCH, targets: {} }
  try {
    const measure = async (encoding) => {
      // Only the requests are timed (each body is built before its clock starts): the figure is
      // the receiver's, not the client's.
      const type = encoding === 'json' ? 'application/json' : 'application/x-protobuf'
      let ns = 0n
      let bytes = 0
      for (let n = 0; n < records; n += BATCH) {
        const req = request(Math.min(BATCH, records - n))
        const body = encoding === 'json' ? JSON.stringify(req) : encodeLogs(req)
        bytes += body.length
        const start = process.hrtime.bigint()
        const r = await fetch(url, { method: 'POST', headers: { 'content-type': type }, body }).catch((e) => {
          throw new Error(`POST ${url}: ${e.cause?.message ?? e.message}`)
        })
        const reply = Buffer.from(await r.arrayBuffer())
        if (r.status !== 200 || (encoding === 'json' && reply.toString() !== '{}') || (encoding === 'protobuf' && reply.length !== 0)) {
          ctx.fail(`OTLP ${encoding} request answered ${r.status} ${reply.toString().slice(0, 200)}`)
        }
        ns += process.hrtime.bigint() - start
      }
      const secs = Number(ns) / 1e9
      return { records, seconds: +secs.toFixed(3), recordsPerSec: Math.round(records / secs), bytes }
    }
    result.json = await measure('json')
    result.protobuf = await measure('protobuf')
  } finally {
    await stopEntry(child)
  }
  const Database = createRequire(path.join(repoRoot, 'package.json'))('better-sqlite3')
  const db = new Database(ready.db, { readonly: true })
  const got = db
    .prepare('SELECT count(*) AS requests, sum(input) AS input, sum(output) AS output, sum(cache_read) AS cacheRead FROM usage_events')
    .get()
  db.close()
  result.stored = got
  if (JSON.stringify(got) !== JSON.stringify(sent))
    ctx.fail(`stored totals ${JSON.stringify(got)} differ from sent ${JSON.stringify(sent)}`)
  fs.rmSync(home, { recursive: true, force: true })
  for (const enc of ['json', 'protobuf']) {
    result.targets[enc] = { target: `>= ${TARGET_RPS} records/s (${against})`, met: result[enc].recordsPerSec >= TARGET_RPS }
    if (!result.targets[enc].met) ctx.targetMiss(`OTLP ${enc} ${result[enc].recordsPerSec}/s < ${TARGET_RPS}/s`)
  }
  log(
    table([
      ['measure', 'value', 'target'],
      ...['json', 'protobuf'].map((enc) => [
        `OTLP/HTTP ${enc}, ${BATCH} records a request`,
        `${result[enc].recordsPerSec.toLocaleString('en-US')} records/s (${(result[enc].bytes / 1024 / 1024).toFixed(1)} MiB)`,
        `>= ${TARGET_RPS.toLocaleString('en-US')}/s (${against}) ${result.targets[enc].met ? 'met' : 'MISSED'}`,
      ]),
      ['stored = sent', got.requests === sent.requests ? `${sent.requests} records, exact` : 'MISMATCH', ''],
    ])
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  )
  return result
}
