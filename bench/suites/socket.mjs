// Suite: the local ingest socket (and POST /v1/usage).
//
// Bundles src/engine/ingest-process/bench-entry.ts with esbuild into .bench/socket/ and runs it as its own
// process (store + group-commit writer + socket + HTTP, no log sources, no prices), so the figures
// are the push path alone, SQLite commits (WAL, synchronous=FULL) included. Then, from this process:
//   1. throughput: one client pipelining N events (each with its own id) through
//      clients/node/tokenwatch-client.mjs, every one acknowledged; target >= 50,000 events/s;
//      first with counter ids (`tp-1`, `tp-2`, ...), then N more with random UUID ids, as real
//      senders have, which land at random places in the ledger's key index;
//   2. latency: single events one at a time on an open connection, 2 ms apart (light load);
//      round trip p50/p99; target p99 < 5 ms;
//   3. one-shot: connect + send + close per event (what `tokenwatch emit` does), p50/p99;
//   4. HTTP: POST /v1/usage with JSON arrays of 1000 events, events/s.
// Afterwards the store is read back and its totals must equal what was sent exactly (ctx.fail if not).
//
// Suite options: --socket-events N (default 200000), --socket-samples N (default 2000).

import fs from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { randomUUID } from 'node:crypto'

import { bundleEntry, startEntry, stopEntry } from '../lib/entry-process.mjs'
import { table } from '../lib/measure.mjs'

export const name = 'socket'
export const order = 50
export const description = 'ingest socket: acked events/s from one pipelining client; single-event round trip p50/p99'

const TARGET_EPS = 50_000
const TARGET_P99_MS = 5
const BLOCK = 5000 // events per pipelined block; two blocks in flight at most

function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : null
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

export async function run(ctx) {
  const { repoRoot, benchDir, log, opts } = ctx
  const events = Math.max(BLOCK, Number(opts.socketEvents) || 200_000)
  const samples = Math.max(100, Number(opts.socketSamples) || 2000)
  const outDir = path.join(benchDir, 'socket')
  fs.mkdirSync(path.join(benchDir, 'tmp'), { recursive: true })
  const home = fs.mkdtempSync(path.join(benchDir, 'tmp', 'socket-'))
  const entry = await bundleEntry(repoRoot, 'src/engine/ingest-process/bench-entry.ts', outDir, 'ingest-entry.cjs')
  const client = await import(pathToFileURL(path.join(repoRoot, 'clients/node/tokenwatch-client.mjs')).href)
  const { child, ready } = await startEntry(entry, home, repoRoot, 'ingest process')
  const sent = { requests: 0, input: 0, output: 0, cacheRead: 0 }
  const t0 = Date.now() - 3_600_000
  let seq = 0
  // `random`: the id a real sender has (a UUID, a provider's request id), not a counter.
  const make = (tag, random = false) => {
    const i = seq++
    const e = {
      id: random ? randomUUID() : `${tag}-${i}`,
      ts: t0 + (i % 3_600_000),
      agentId: 'bench',
      model: i % 3 ? 'claude-sonnet-4-5' : 'gpt-5',
      project: `p${i % 7}`,
      sessionId: `s${i % 101}`,
      input: 1 + (i % 500),
      output: 1 + (i % 1000),
      cacheRead: i % 20_000,
    }
    sent.requests++
    sent.input += e.input
    sent.output += e.output
    sent.cacheRead += e.cacheRead
    return e
  }
  const result = { events, samples, targets: {} }
  try {
    // 1. throughput, after a short warm-up (JIT, SQLite page cache).
    const c = await client.connect({ socketPath: ready.socket })
    await Promise.all(Array.from({ length: BLOCK }, () => c.send(make('warm'))))
    let bad = 0
    const check = (acks) => {
      for (const a of acks) if (!a.ok) bad++
    }
    const throughput = async (tag, random) => {
      const start = process.hrtime.bigint()
      let prev = null
      for (let n = 0; n < events; n += BLOCK) {
        const block = Promise.all(Array.from({ length: Math.min(BLOCK, events - n) }, () => c.send(make(tag, random))))
        if (prev) check(await prev)
        prev = block
      }
      check(await prev)
      const secs = Number(process.hrtime.bigint() - start) / 1e9
      return { events, seconds: +secs.toFixed(3), eventsPerSec: Math.round(events / secs) }
    }
    result.throughput = await throughput('tp', false)
    // The same again with random ids, into a ledger that already holds the first run's events.
    result.throughputRandomIds = await throughput('tr', true)
    if (bad) ctx.fail(`${bad} events were refused during the throughput runs`)

    // 2. latency under light load: one event at a time.
    const rtt = []
    for (let i = 0; i < samples; i++) {
      const s = process.hrtime.bigint()
      const ack = await c.send(make('lat'))
      rtt.push(Number(process.hrtime.bigint() - s) / 1e6)
      if (!ack.ok) bad++
      await sleep(2)
    }
    await c.close()
    rtt.sort((a, b) => a - b)
    result.latency = { samples, p50Ms: +pct(rtt, 50).toFixed(3), p99Ms: +pct(rtt, 99).toFixed(3), maxMs: +rtt[rtt.length - 1].toFixed(3) }

    // 3. one-shot connect + send + close, as `tokenwatch emit` does (without node's startup).
    const shot = []
    for (let i = 0; i < Math.min(500, samples); i++) {
      const s = process.hrtime.bigint()
      await client.sendOne(make('one'), { socketPath: ready.socket })
      shot.push(Number(process.hrtime.bigint() - s) / 1e6)
    }
    shot.sort((a, b) => a - b)
    result.oneShot = { samples: shot.length, p50Ms: +pct(shot, 50).toFixed(3), p99Ms: +pct(shot, 99).toFixed(3) }

    // 4. HTTP batches.
    const httpEvents = Math.min(events, 50_000)
    const hs = process.hrtime.bigint()
    for (let n = 0; n < httpEvents; n += 1000) {
      const body = JSON.stringify(Array.from({ length: 1000 }, () => make('http')))
      const r = await fetch(ready.http, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
      const j = await r.json()
      if (r.status !== 200 || j.accepted !== 1000) ctx.fail(`HTTP batch refused: ${r.status} ${JSON.stringify(j).slice(0, 200)}`)
    }
    const hsecs = Number(process.hrtime.bigint() - hs) / 1e9
    result.http = { events: httpEvents, eventsPerSec: Math.round(httpEvents / hsecs) }
  } finally {
    await stopEntry(child)
  }

  // The store must hold exactly what was acknowledged.
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

  const eps = result.throughput.eventsPerSec
  const epsRandom = result.throughputRandomIds.eventsPerSec
  result.targets.throughput = { target: `>= ${TARGET_EPS} events/s`, met: eps >= TARGET_EPS }
  result.targets.throughputRandomIds = { target: `>= ${TARGET_EPS} events/s`, met: epsRandom >= TARGET_EPS }
  result.targets.latencyP99 = { target: `< ${TARGET_P99_MS} ms`, met: result.latency.p99Ms < TARGET_P99_MS }
  if (!result.targets.throughput.met) ctx.targetMiss(`socket throughput ${eps}/s < ${TARGET_EPS}/s`)
  if (!result.targets.throughputRandomIds.met) ctx.targetMiss(`socket throughput with random ids ${epsRandom}/s < ${TARGET_EPS}/s`)
  if (!result.targets.latencyP99.met) ctx.targetMiss(`socket p99 ${result.latency.p99Ms} ms >= ${TARGET_P99_MS} ms`)
  log(
    table([
      ['measure', 'value', 'target'],
      [
        'socket, pipelined, acked',
        `${eps.toLocaleString('en-US')} events/s`,
        `>= ${TARGET_EPS.toLocaleString('en-US')}/s ${result.targets.throughput.met ? 'met' : 'MISSED'}`,
      ],
      [
        '  the same, random UUID ids',
        `${epsRandom.toLocaleString('en-US')} events/s`,
        `>= ${TARGET_EPS.toLocaleString('en-US')}/s ${result.targets.throughputRandomIds.met ? 'met' : 'MISSED'}`,
      ],
      ['socket round trip p50', `${result.latency.p50Ms} ms`, ''],
      ['socket round trip p99', `${result.latency.p99Ms} ms`, `< ${TARGET_P99_MS} ms ${result.targets.latencyP99.met ? 'met' : 'MISSED'}`],
      ['connect+send+close p50 / p99', `${result.oneShot.p50Ms} / ${result.oneShot.p99Ms} ms`, ''],
      ['HTTP arrays of 1000', `${result.http.eventsPerSec.toLocaleString('en-US')} events/s`, ''],
      ['stored = sent', result.stored.requests === sent.requests ? `${sent.requests} events, exact` : 'MISMATCH', ''],
    ])
      .split('\n')
      .map((l) => `  ${l}`)
      .join('\n'),
  )
  return result
}
