#!/usr/bin/env node
// Token Watch benchmarks: `npm run bench [-- options]` (or `node bench/run.mjs [options]`).
//
// Runs every suite in bench/suites/*.mjs (each exports `name`, `run(ctx)`, optionally `order` and
// `description`), the backfill suite first, prints a table per suite and writes .bench/results.json.
// Exits non-zero only when a suite reports a correctness failure (ctx.fail), or with --strict also
// on a missed target.
//
// Options (each also as an env var):
//   --size 256MiB      size of generated trees             BENCH_SIZE   (1GiB for the RSS target)
//   --runs 3           measured runs per contender, median  BENCH_RUNS
//   --only tokenwatch  measure one tool: tokenwatch|ccusage BENCH_ONLY
//   --suite a,b        run only these suites                BENCH_SUITE
//   --seed 1           generator seed                       BENCH_SEED
//   --regen            regenerate cached trees              BENCH_REGEN=1
//   --keep-tmp         keep the per-run stores in .bench/tmp BENCH_KEEP_TMP=1
//   --strict           also exit non-zero on a missed target BENCH_STRICT=1
//   --cli PATH         tokenwatch CLI to measure            BENCH_CLI    (default out/cli/tokenwatch.js)
//   --cli-b PATH       backfill: a second CLI in the same loop (A/B, e.g. main's build)
//   --list             list the suites and exit

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const benchSrc = path.dirname(fileURLToPath(import.meta.url))
const repoRoot = path.dirname(benchSrc)
const benchDir = path.join(repoRoot, '.bench')

const FLAGS = new Set(['regen', 'keep-tmp', 'strict', 'list', 'help'])

function parseArgs(argv) {
  const env = process.env
  const opts = {
    size: env.BENCH_SIZE || '256MiB',
    runs: env.BENCH_RUNS || '3',
    only: env.BENCH_ONLY || null,
    suite: env.BENCH_SUITE || null,
    seed: env.BENCH_SEED || '1',
    regen: env.BENCH_REGEN === '1',
    keepTmp: env.BENCH_KEEP_TMP === '1',
    strict: env.BENCH_STRICT === '1',
    cli: env.BENCH_CLI || null,
    list: false,
    help: false,
  }
  const extra = {}
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]
    if (!a.startsWith('--')) throw new Error(`unexpected argument: ${a}`)
    a = a.slice(2)
    let v
    const eq = a.indexOf('=')
    if (eq >= 0) {
      v = a.slice(eq + 1)
      a = a.slice(0, eq)
    } else if (FLAGS.has(a)) v = true
    else v = argv[++i]
    const key = a.replace(/-([a-z])/g, (_, c) => c.toUpperCase())
    if (v === undefined) throw new Error(`--${a} needs a value`)
    if (key in opts) opts[key] = v
    else extra[key] = v // suite-specific options
  }
  opts.runs = Number(opts.runs)
  if (opts.only && !['tokenwatch', 'ccusage'].includes(opts.only)) throw new Error(`--only must be tokenwatch or ccusage, not ${opts.only}`)
  return { ...extra, ...opts }
}

async function loadSuites() {
  const dir = path.join(benchSrc, 'suites')
  const files = fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => f.endsWith('.mjs'))
        .sort()
    : []
  const suites = []
  for (const f of files) {
    const mod = await import(pathToFileURL(path.join(dir, f)).href)
    if (typeof mod.name !== 'string' || typeof mod.run !== 'function') {
      console.warn(`bench: skipping suites/${f}: it must export name and run(ctx)`)
      continue
    }
    suites.push({ file: f, name: mod.name, order: mod.order ?? 100, description: mod.description ?? '', run: mod.run })
  }
  suites.sort((a, b) => a.order - b.order || a.file.localeCompare(b.file))
  return suites
}

function machine() {
  const cpus = os.cpus()
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? null,
    memGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${process.platform}-${process.arch}`,
    kernel: os.release(),
    node: process.version,
  }
}

/** Fraction of all cores busy over `ms` (from /proc/stat), null where unknown. */
async function cpuBusy(ms) {
  const read = () => {
    try {
      const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number)
      const idle = f[3] + (f[4] || 0)
      return { idle, total: f.reduce((a, b) => a + b, 0) }
    } catch {
      return null
    }
  }
  const a = read()
  await new Promise((r) => setTimeout(r, ms))
  const b = read()
  if (!a || !b || b.total === a.total) return null
  return 1 - (b.idle - a.idle) / (b.total - a.total)
}

async function main() {
  let opts
  try {
    opts = parseArgs(process.argv.slice(2))
  } catch (e) {
    console.error(`bench: ${e.message}`)
    process.exit(2)
  }
  const suites = await loadSuites()
  if (opts.help || opts.list) {
    if (opts.help)
      console.log(
        fs
          .readFileSync(fileURLToPath(import.meta.url), 'utf8')
          .split('\n')
          .slice(1)
          .filter((l, i, all) => all.slice(0, i + 1).every((x) => x.startsWith('//')))
          .map((l) => l.replace(/^\/\/ ?/, ''))
          .join('\n'),
      )
    console.log('suites:')
    for (const s of suites) console.log(`  ${s.name.padEnd(16)} ${s.description}`)
    return
  }
  const wanted = opts.suite
    ? new Set(
        String(opts.suite)
          .split(',')
          .map((s) => s.trim()),
      )
    : null
  if (wanted) for (const w of wanted) if (!suites.some((s) => s.name === w)) console.warn(`bench: no suite named ${w}`)

  fs.mkdirSync(benchDir, { recursive: true })
  const m = machine()
  const results = {
    startedAt: new Date().toISOString(),
    finishedAt: null,
    machine: m,
    opts,
    suites: {},
    failures: [],
    warnings: [],
    targetMisses: [],
  }
  console.log(
    `bench: ${m.cpus} cores (${m.cpuModel}), ${m.memGiB} GiB, node ${m.node}, ${m.platform}; size ${opts.size}, runs ${opts.runs}${opts.only ? `, only ${opts.only}` : ''}`,
  )
  const busy = await cpuBusy(1000)
  results.cpuBusyAtStart = busy
  if (busy != null && busy > 0.25) {
    const msg = `the CPU is ${(busy * 100).toFixed(0)}% busy before the bench starts: another process is running, figures will be noisy`
    results.warnings.push(msg)
    console.log(`  WARNING: ${msg}`)
  }

  for (const s of suites) {
    if (wanted && !wanted.has(s.name)) continue
    console.log(`\n== ${s.name}${s.description ? `: ${s.description}` : ''}`)
    const ctx = {
      name: s.name,
      opts,
      repoRoot,
      benchDir,
      machine: m,
      /** The results of the suites that already ran in this invocation (the OTLP suite compares with the socket's). */
      earlier: results.suites,
      log: (...a) => console.log(...a),
      warn: (msg) => {
        results.warnings.push(`${s.name}: ${msg}`)
        console.log(`  WARNING: ${msg}`)
      },
      fail: (msg) => {
        results.failures.push(`${s.name}: ${msg}`)
        console.log(`  FAIL: ${msg}`)
      },
      targetMiss: (msg) => results.targetMisses.push(msg),
    }
    const t0 = Date.now()
    try {
      results.suites[s.name] = { ...(await s.run(ctx)), elapsedMs: Date.now() - t0 }
    } catch (e) {
      results.suites[s.name] = { error: String(e?.stack || e), elapsedMs: Date.now() - t0 }
      results.warnings.push(`${s.name}: crashed: ${e?.message || e}`)
      console.log(`  ERROR: suite ${s.name} crashed: ${e?.stack || e}`)
    }
  }

  results.finishedAt = new Date().toISOString()
  const out = path.join(benchDir, 'results.json')
  fs.writeFileSync(out, JSON.stringify(results, null, 2) + '\n')
  console.log(`\nresults: ${path.relative(process.cwd(), out) || out}`)
  if (results.warnings.length) console.log(`${results.warnings.length} warning(s):\n  ${results.warnings.join('\n  ')}`)
  if (results.failures.length) {
    console.log(`${results.failures.length} correctness failure(s):\n  ${results.failures.join('\n  ')}`)
    process.exitCode = 1
  } else if (opts.strict && results.targetMisses.length) {
    console.log(`--strict: missed target(s): ${results.targetMisses.join(', ')}`)
    process.exitCode = 1
  }
}

main().catch((e) => {
  console.error(e)
  process.exitCode = 2
})
