// Suite: the dashboard's queries on a year of data.
//
// Bundles bench/entries/query.ts with esbuild into .bench/query/ and runs it as its own process:
// it builds a store with a year of hourly usage for 50 (model, agent, project) combinations through
// the real ingest path (openStore + applyBatch, batches of 5,000; ~670,000 events, 73,000 sessions)
// and times, in-process, the store's answer to every call the dashboard makes (the renderer's own
// range and query helpers build them):
//   (a) a filter change = chart report [hour|day, model] + previous-period totals + session count +
//       previous-period session count + breakdown [model], for 24 h / 7 d / 30 d / 90 d / all, with no
//       filter, a model, an agent, and a multi-select (3 models + 2 projects); N rounds round-robin
//       after warm-up; p50/p95 per call and per filter change (the sum of its calls: the engine
//       answers them one after another);
//   (b) first paint: dimensions (with the unpriced models) + today's spend + the default view (24 h),
//       warm and on a fresh connection; sourceStatus (the Sources tab) and the Sessions tab (the list
//       of at most 500 and the count, per range and filter) separately.
// A filter change over budget at p95 gets its dominant call explained: each SQL statement it ran,
// timed alone, with EXPLAIN QUERY PLAN.
// Then, if out/renderer is built, `tokenwatch serve --db <that store>`: GET index.html and its
// assets, the first-paint calls over HTTP, and (if /usr/bin/chromium and playwright-core are there)
// a real page load until the chart, KPIs, breakdown and today's spend are drawn.
//
// Targets (from the issue): first paint of the dashboard with a year of data under 1 s; every
// filter change answered from the store in under 50 ms at p95.
//
// Suite options: --query-samples 30, --query-warmup 3, --query-cold 10, --query-tz America/New_York,
// --query-days 365, --query-browser-samples 5, --query-no-http 1 (skip the server and browser phases).

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'

import { fmtBytes, table } from '../lib/measure.mjs'
import { bundleEntry } from '../lib/entry-process.mjs'

export const name = 'query'
export const order = 70
export const description = 'dashboard queries on a year of hourly data for 50 combinations: filter change p95, first paint'

const TARGET_CHANGE_P95_MS = 50
const TARGET_FIRST_PAINT_MS = 1000

const indent = (s) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')
const f1 = (x) => (x == null || !Number.isFinite(x) ? '—' : x >= 100 ? x.toFixed(0) : x.toFixed(1))

function sysStat() {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
    return { idle: f[3] + (f[4] || 0), total: f.reduce((a, b) => a + b, 0) }
  } catch {
    return null
  }
}
function busyPct(a, b) {
  if (!a || !b || b.total === a.total) return null
  return +((1 - (b.idle - a.idle) / (b.total - a.total)) * 100).toFixed(1)
}
function pct(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] : null
}
function summary(xs) {
  const s = [...xs].sort((a, b) => a - b)
  const r = (v) => (v == null ? null : Math.round(v * 100) / 100)
  return { n: s.length, p50: r(pct(s, 50)), p95: r(pct(s, 95)), max: r(s[s.length - 1]) }
}

function runEntry(entry, config, repoRoot, log) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules') }
    const child = spawn(process.execPath, [entry, JSON.stringify(config)], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (t) => (out += t))
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (t) => {
      err += t
      for (const l of t.split('\n')) if (l.trim()) log(l)
    })
    child.once('error', reject)
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`query entry exited ${code}: ${err.slice(-1500)}`))
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()))
      } catch (e) {
        reject(new Error(`query entry printed no result: ${e.message}; ${out.slice(-400)}`))
      }
    })
  })
}

// ---------------------------------------------------------------- serve + HTTP + browser

function startServe(cli, db, env, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [cli, 'serve', '--db', db, '--no-socket', '--port', '0'], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (t) => (err += t))
    child.stdout.setEncoding('utf8')
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`serve not ready after 5 min: ${out.slice(-300)} ${err.slice(-300)}`))
    }, 300_000)
    const onExit = (code) => {
      clearTimeout(timer)
      reject(new Error(`serve exited early (${code}): ${err.slice(-800)}`))
    }
    child.once('exit', onExit)
    child.once('error', reject)
    child.stdout.on('data', (t) => {
      out += t
      if (/^(watching|ready)\b/m.test(out)) {
        clearTimeout(timer)
        child.removeListener('exit', onExit)
        const url = /^dashboard\s+(\S+)/m.exec(out)?.[1]
        resolve({ child, url, readyMs: performance.now() - t0, stderr: () => err })
      }
    })
  })
}

function stopServe(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode)
    const kill = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.once('exit', (code, sig) => {
      clearTimeout(kill)
      resolve(code ?? sig)
    })
    child.kill('SIGTERM')
  })
}

async function timedGet(url, n) {
  const xs = []
  let bytes = 0
  for (let i = 0; i < n; i++) {
    const t0 = performance.now()
    const r = await fetch(url)
    const b = await r.arrayBuffer()
    xs.push(performance.now() - t0)
    bytes = b.byteLength
    if (r.status !== 200) throw new Error(`GET ${url}: ${r.status}`)
  }
  return { ...summary(xs), bytes }
}

async function httpPhase(ctx, { cli, db, tmp, tz, result, log }) {
  const { repoRoot } = ctx
  const home = path.join(tmp, 'serve-home')
  const empty = path.join(tmp, 'empty')
  fs.mkdirSync(home, { recursive: true })
  const env = {
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    TZ: tz,
    HOME: home,
    TOKENWATCH_HOME: home,
    TOKENWATCH_USER: 'dev',
    CLAUDE_CONFIG_DIR: empty,
    CODEX_HOME: empty,
  }
  const serve = await startServe(cli, db, env, tmp)
  const http = { serveReadyMs: Math.round(serve.readyMs) }
  log(`  serve on the store: ready in ${(serve.readyMs / 1000).toFixed(2)} s (${serve.url?.replace(/(token|code)=.*/, '$1=…')})`)
  try {
    const u = new URL(serve.url)
    const origin = u.origin
    // serve prints a one-time sign-in link (?code=): opening it sets the session cookie the API wants.
    const signIn = await fetch(serve.url, { redirect: 'manual' })
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]
    const html = await (await fetch(`${origin}/`)).text()
    const assets = [...html.matchAll(/(?:src|href)="\.?\/?(assets\/[^"]+)"/g)].map((m) => m[1])
    http.indexHtml = await timedGet(`${origin}/`, 20)
    http.assets = {}
    for (const a of assets) http.assets[a] = await timedGet(`${origin}/${a}`, 20)

    // The first-paint calls over HTTP, as the page sends them: wave 1 at once, wave 2 when it has settings and dimensions.
    const post = async (c) => {
      const r = await fetch(`${origin}/api/${c.method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, origin },
        body: JSON.stringify(c.arg === undefined ? {} : { arg: c.arg }),
      })
      const j = await r.json()
      if (!j.ok) throw new Error(`POST /api/${c.method}: ${r.status} ${j.error}`)
      return j.result
    }
    const fp = result.firstPaint.http
    const waves = []
    for (let i = 0; i < 3 + 10; i++) {
      const t0 = performance.now()
      await Promise.all(fp.wave1.map(post))
      const t1 = performance.now()
      await Promise.all(fp.wave2.map(post))
      const t2 = performance.now()
      if (i >= 3) waves.push({ wave1: t1 - t0, wave2: t2 - t1, total: t2 - t0 })
    }
    http.apiFirstPaint = {
      wave1: summary(waves.map((w) => w.wave1)),
      wave2: summary(waves.map((w) => w.wave2)),
      total: summary(waves.map((w) => w.total)),
      calls: fp.wave1.length + fp.wave2.length,
    }
    log(
      `  HTTP: index.html p50 ${f1(http.indexHtml.p50)} ms; ${assets.map((a) => `${path.basename(a)} (${fmtBytes(http.assets[a].bytes)}) p50 ${f1(http.assets[a].p50)} ms`).join('; ')}; first-paint API calls p50 ${f1(http.apiFirstPaint.total.p50)} ms`,
    )

    // A real page load in Chromium, if there is one.
    http.browser = await browserPhase(ctx, {
      url: `${origin}/`,
      cookie,
      tz,
      samples: Math.max(1, Number(ctx.opts.queryBrowserSamples) || 5),
      repoRoot,
      log,
    })
  } finally {
    const code = await stopServe(serve.child)
    http.serveExit = code
    if (code !== 0) ctx.fail(`tokenwatch serve exited with ${code} on SIGTERM (expected 0): ${serve.stderr().slice(-400)}`)
  }
  return http
}

async function browserPhase(ctx, { url, cookie, tz, samples, repoRoot, log }) {
  const exe = '/usr/bin/chromium'
  if (!fs.existsSync(exe)) return { status: 'skipped', reason: `${exe} not found` }
  let chromium
  try {
    chromium = createRequire(path.join(repoRoot, 'package.json'))('playwright-core').chromium
  } catch (e) {
    return { status: 'skipped', reason: `playwright-core: ${e.message}` }
  }
  const browser = await chromium.launch({
    executablePath: exe,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  const runs = []
  try {
    const context = await browser.newContext({
      timezoneId: tz,
      locale: 'en-US',
      reducedMotion: 'reduce',
      viewport: { width: 1280, height: 900 },
    })
    // Signed in as the HTTP phase was (the printed link works once): its session cookie, then the bare page.
    const at = cookie.indexOf('=')
    if (at > 0) await context.addCookies([{ name: cookie.slice(0, at), value: cookie.slice(at + 1), url }])
    for (let i = 0; i < samples + 1; i++) {
      const page = await context.newPage()
      const api = []
      page.on('requestfinished', (req) => {
        if (req.url().includes('/api/') && !req.url().includes('/api/events')) api.push(req)
      })
      const t0 = performance.now()
      await page.goto(url, { waitUntil: 'commit' })
      // Drawn: the chart's canvas, the breakdown rows, today's spend, and the sessions KPI compared with the previous period.
      await page.waitForFunction(
        () => {
          const q = (s) => globalThis.document.querySelector(s)
          return (
            q('[data-testid="chart"] canvas') &&
            q('[data-testid="breakdown-row"]') &&
            q('[data-testid="today-spend"]') &&
            (q('[data-testid="kpi-sessions-change"]')?.textContent ?? '').includes('previous period') &&
            (q('[data-testid="kpi-cost-change"]')?.textContent ?? '').includes('previous period')
          )
        },
        null,
        { timeout: 60_000, polling: 'raf' },
      )
      const drawn = performance.now() - t0
      const nav = await page.evaluate(() => {
        const n = performance.getEntriesByType('navigation')[0]
        return n ? { domContentLoaded: n.domContentLoadedEventEnd, load: n.loadEventEnd } : null
      })
      runs.push({ drawnMs: drawn, apiCalls: api.length, ...nav })
      await page.close()
    }
    await context.close()
  } finally {
    await browser.close()
  }
  const [first, ...rest] = runs
  const out = {
    status: 'ok',
    samples: rest.length,
    firstLoad: { drawnMs: Math.round(first.drawnMs), apiCalls: first.apiCalls },
    drawn: summary(rest.map((r) => r.drawnMs)),
    domContentLoaded: summary(rest.map((r) => r.domContentLoaded)),
    apiCalls: rest[0]?.apiCalls,
  }
  log(
    `  Chromium: page load -> chart, KPIs, breakdown, today drawn: first ${out.firstLoad.drawnMs} ms, then p50 ${f1(out.drawn.p50)} ms / max ${f1(out.drawn.max)} ms over ${out.samples} (${out.apiCalls} API calls)`,
  )
  return out
}

// ---------------------------------------------------------------- the suite

export async function run(ctx) {
  const { opts, repoRoot, benchDir, log } = ctx
  const outDir = path.join(benchDir, 'query')
  fs.mkdirSync(path.join(benchDir, 'tmp'), { recursive: true })
  const tmp = fs.mkdtempSync(path.join(benchDir, 'tmp', 'query-'))
  fs.mkdirSync(path.join(tmp, 'empty'), { recursive: true })
  const tz = String(opts.queryTz || 'America/New_York')
  const config = {
    db: path.join(tmp, 'tokenwatch.db'),
    emptyDir: path.join(tmp, 'empty'),
    tz,
    seed: Number(opts.seed ?? 1),
    days: Math.max(2, Number(opts.queryDays) || 365),
    batch: 5000,
    samples: Math.max(5, Number(opts.querySamples) || 30),
    warmup: Math.max(1, Number(opts.queryWarmup) || 3),
    coldSamples: Math.max(1, Number(opts.queryCold) || 10),
    budgetMs: TARGET_CHANGE_P95_MS,
  }
  const entry = await bundleEntry(repoRoot, 'bench/entries/query.ts', outDir, 'query-entry.cjs')
  const la0 = os.loadavg()
  const s0 = sysStat()
  const t0 = performance.now()
  const r = await runEntry(entry, config, repoRoot, log)
  const entryBusy = busyPct(s0, sysStat())
  const ncpu = os.cpus().length
  const ownPct = r.cpu ? ((r.cpu.userS + r.cpu.sysS) / (r.cpu.wallS * ncpu)) * 100 : null
  const result = {
    ...r,
    load: {
      loadavgAtStart: la0.map((x) => +x.toFixed(2)),
      machineBusyPctDuringEntry: entryBusy,
      entrySeconds: Math.round((performance.now() - t0) / 100) / 10,
      entryCpuPctOfMachine: ownPct == null ? null : +ownPct.toFixed(1),
      othersBusyPct: ownPct == null || entryBusy == null ? null : +Math.max(0, entryBusy - ownPct).toFixed(1),
    },
    targets: {},
  }
  for (const p of r.problems) ctx.fail(`query store: ${p}`)

  const off = r.sessionsKpi.filter((k) => k.kpiShows !== k.sessionsInRange || k.listed !== Math.min(500, k.sessionsInRange))
  if (off.length) {
    ctx.warn(
      `the Sessions KPI (sessionCount) or the Sessions list disagrees with the ledger's distinct sessions: ${off.map((k) => `${k.range}: KPI ${k.kpiShows}, listed ${k.listed}, ledger ${k.sessionsInRange.toLocaleString('en-US')}`).join('; ')}`,
    )
  }

  // ---- HTTP and browser (optional)
  const cli = path.resolve(repoRoot, opts.cli || path.join('out', 'cli', 'tokenwatch.js'))
  const rendererBuilt = fs.existsSync(path.join(repoRoot, 'out', 'renderer', 'index.html'))
  if (opts.queryNoHttp) result.http = { status: 'skipped', reason: '--query-no-http' }
  else if (!fs.existsSync(cli) || !rendererBuilt)
    result.http = { status: 'skipped', reason: `${!fs.existsSync(cli) ? 'out/cli' : 'out/renderer'} not built (npm run build)` }
  else {
    try {
      result.http = await httpPhase(ctx, { cli, db: config.db, tmp, tz, result: r, log })
    } catch (e) {
      ctx.warn(`HTTP/browser phase: ${e.message}`)
      result.http = { status: 'error', reason: String(e.message) }
    }
  }
  result.load.loadavgAtEnd = os.loadavg().map((x) => +x.toFixed(2))
  if (!opts.keepTmp) fs.rmSync(tmp, { recursive: true, force: true })

  // ---- targets
  const worst = [...r.filterChanges].sort((a, b) => b.total.p95 - a.total.p95)[0]
  const missed = r.filterChanges.filter((f) => !f.met)
  result.targets.filterChangeP95 = {
    target: `< ${TARGET_CHANGE_P95_MS} ms for every filter change`,
    worst: worst.id,
    worstP95: worst.total.p95,
    missed: missed.map((m) => m.id),
    met: missed.length === 0,
  }
  const paintWarm = r.firstPaint.warm.total.p95
  const paintCold = r.firstPaint.cold.total.p95
  const browser = result.http?.browser?.status === 'ok' ? result.http.browser : null
  const paintValue = Math.max(paintWarm, paintCold, browser ? browser.drawn.p95 : 0, browser ? browser.firstLoad.drawnMs : 0)
  result.targets.firstPaint = {
    target: `< ${TARGET_FIRST_PAINT_MS} ms`,
    storeWarmP95: paintWarm,
    storeColdP95: paintCold,
    browserP95: browser?.drawn.p95 ?? null,
    browserFirst: browser?.firstLoad.drawnMs ?? null,
    met: paintValue < TARGET_FIRST_PAINT_MS,
  }
  if (!result.targets.filterChangeP95.met)
    ctx.targetMiss(
      `query: ${missed.length}/${r.filterChanges.length} filter changes over ${TARGET_CHANGE_P95_MS} ms at p95 (worst ${worst.id}: ${worst.total.p95} ms)`,
    )
  if (!result.targets.firstPaint.met) ctx.targetMiss(`query: first paint ${Math.round(paintValue)} ms >= ${TARGET_FIRST_PAINT_MS} ms`)

  // ---- tables
  log('')
  log(
    `  store: ${r.fill.events.toLocaleString('en-US')} events (${r.combos} combinations: ${r.models} models x ${r.agents} agents, ${r.projects} projects; ${config.days} days), ` +
      `${r.store.hourlyRows.toLocaleString('en-US')} hourly rows, ${r.store.bucketRows.toLocaleString('en-US')} quarter-hour rows, ${r.store.sessions.toLocaleString('en-US')} sessions, ${fmtBytes(r.store.bytes)}; ` +
      `filled through applyBatch at ${r.fill.eventsPerSec.toLocaleString('en-US')} events/s`,
  )
  log(
    `  tz ${tz}; ${r.samples} rounds after ${r.warmup} warm-up; machine ${entryBusy}% busy during the run (2 cores; this bench ~${result.load.entryCpuPctOfMachine}%, other processes ~${result.load.othersBusyPct}%; load avg ${la0.map((x) => x.toFixed(2)).join(' ')} at start)`,
  )
  log('')
  const callCell = (fc, c) => (fc.calls[c] ? `${f1(fc.calls[c].p50)} / ${f1(fc.calls[c].p95)}` : '—')
  log(
    indent(
      table([
        [
          'filter change (ms, p50 / p95)',
          'chart',
          'prev totals',
          'session count',
          'prev session count',
          'breakdown',
          'change p50',
          'change p95',
          `< ${TARGET_CHANGE_P95_MS} ms`,
        ],
        ...r.filterChanges.map((fc) => [
          fc.id,
          callCell(fc, 'chart'),
          callCell(fc, 'prevTotals'),
          callCell(fc, 'sessions'),
          callCell(fc, 'prevSessions'),
          callCell(fc, 'breakdown'),
          f1(fc.total.p50),
          f1(fc.total.p95),
          fc.met ? 'met' : `MISSED (${fc.dominant})`,
        ]),
      ]),
    ),
  )
  log('')
  const fp = r.firstPaint
  const names = Object.keys(fp.warm.calls)
  log(
    indent(
      table([
        ['first paint, store (ms)', ...names, 'total p50', 'total p95', `< ${TARGET_FIRST_PAINT_MS} ms`],
        [
          'warm (p50)',
          ...names.map((n) => f1(fp.warm.calls[n].p50)),
          f1(fp.warm.total.p50),
          f1(fp.warm.total.p95),
          fp.warm.total.p95 < TARGET_FIRST_PAINT_MS ? 'met' : 'MISSED',
        ],
        [
          `fresh connection (p50 of ${r.coldSamples})`,
          ...names.map((n) => f1(fp.cold.calls[n].p50)),
          f1(fp.cold.total.p50),
          f1(fp.cold.total.p95),
          fp.cold.total.p95 < TARGET_FIRST_PAINT_MS ? 'met' : 'MISSED',
        ],
      ]),
    ),
  )
  log(`  sourceStatus (Sources tab, not on first paint): p50 ${f1(fp.sourceStatus.p50)} ms, p95 ${f1(fp.sourceStatus.p95)} ms`)
  log('')
  log(
    indent(
      table([
        ['Sessions tab (ms, p50 / p95)', 'list (sessions, <= 500)', 'count (sessionCount)'],
        ...r.sessionsTab.map((t) => [t.id, `${f1(t.list.p50)} / ${f1(t.list.p95)}`, `${f1(t.count.p50)} / ${f1(t.count.p95)}`]),
      ]),
    ),
  )
  log(
    `  Sessions KPI vs the ledger's distinct sessions (no filter): ${r.sessionsKpi.map((k) => `${k.range} ${k.kpiShows.toLocaleString('en-US')}/${k.sessionsInRange.toLocaleString('en-US')} (listed ${k.listed})`).join(', ')}`,
  )
  if (result.http?.indexHtml) {
    const h = result.http
    log('')
    log(
      indent(
        table([
          ['served by tokenwatch serve (ms)', 'p50', 'p95', 'size'],
          ['GET / (index.html)', f1(h.indexHtml.p50), f1(h.indexHtml.p95), fmtBytes(h.indexHtml.bytes)],
          ...Object.entries(h.assets).map(([a, s]) => [`GET /${a}`, f1(s.p50), f1(s.p95), fmtBytes(s.bytes)]),
          [`first-paint API calls (${h.apiFirstPaint.calls}, 2 waves)`, f1(h.apiFirstPaint.total.p50), f1(h.apiFirstPaint.total.p95), ''],
          ...(h.browser?.status === 'ok'
            ? [
                [
                  `Chromium load -> drawn (first: ${h.browser.firstLoad.drawnMs})`,
                  f1(h.browser.drawn.p50),
                  f1(h.browser.drawn.p95),
                  `${h.browser.apiCalls} API calls`,
                ],
              ]
            : [['Chromium', h.browser?.reason ?? 'skipped', '', '']]),
        ]),
      ),
    )
    log(`  serve start-up on this store (open, quick_check, watch): ${(h.serveReadyMs / 1000).toFixed(2)} s`)
  } else if (result.http) log(`  HTTP phase: ${result.http.status}: ${result.http.reason}`)

  // ---- diagnoses: per scenario over budget, each slow call split into its statements (#n), then each statement's SQL and plan once
  const diag = [...r.diagnoses, ...(result.targets.firstPaint.met ? [] : [r.paintDiagnoses])]
  if (diag.length) {
    const reg = new Map() // normalized SQL + plan -> { id, sql, plan, params, rows, where: [] }
    // Statements of the same shape (filters aside) with the same plan are listed once.
    const shape = (sql) => sql.replace(/ AND \w+ IN \(\?(, \?)*\)/g, '').replace(/\?(\s*,\s*\?)*/g, '?')
    const idOf = (st, where) => {
      const sig = `${shape(st.sql)}\u0000${st.plan.join('\n')}`
      let e = reg.get(sig)
      if (!e)
        reg.set(
          sig,
          (e = {
            id: reg.size + 1,
            sql: shape(st.sql),
            filtered: false,
            plan: st.plan,
            params: st.params,
            rows: st.rows,
            ms: [],
            where: [],
          }),
        )
      if (shape(st.sql) !== st.sql.replace(/\?(\s*,\s*\?)*/g, '?')) e.filtered = true
      e.ms.push(st.ms)
      if (!e.where.includes(where)) e.where.push(where)
      return e.id
    }
    log('')
    log('  over budget: each call above 10 ms at p95, and the statements it runs (#n below), each timed alone (median of 3, ms):')
    for (const d of diag) {
      const parts = d.calls.map(
        (c) =>
          `${c.call} ${f1(c.p95)} = ${
            c.statements
              .filter((st) => st.ms >= 0.5)
              .map((st) => `#${idOf(st, d.scenario)} ${f1(st.ms)}`)
              .join(' + ') || '(all < 0.5)'
          }`,
      )
      log(`  - ${d.scenario} (p95 ${f1(d.totalP95)} ms): ${parts.join('; ')}`)
    }
    result.statements = [...reg.values()].map((e) => ({
      id: e.id,
      sql: e.sql,
      withFilterVariants: e.filtered,
      plan: e.plan,
      exampleParams: e.params,
      rows: e.rows,
      msRange: [Math.min(...e.ms), Math.max(...e.ms)],
      scenarios: e.where,
    }))
    log('')
    for (const e of result.statements) {
      const sql = e.sql.replace(/sum\(input\) AS input, .*? AS unpricedTokens/, '<sums>')
      log(
        `  #${e.id} ${f1(e.msRange[0])}-${f1(e.msRange[1])} ms, e.g. ${e.rows} rows; in ${e.scenarios.length} scenario(s)${e.withFilterVariants ? "; also with the filters' `AND <col> IN (...)`" : ''}`,
      )
      log(`     ${sql.length > 500 ? `${sql.slice(0, 500)}…` : sql}`)
      for (const pl of e.plan) log(`     | ${pl}`)
    }
  }
  return result
}
