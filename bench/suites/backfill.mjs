// Suite: cold backfill of a generated Claude Code log tree.
//
// Token Watch `scan --json` into a fresh SQLite store (the durable store included) against ccusage
// `daily --json --offline` on the same tree, in the same run, alternating, N runs each (median).
// Then a Token Watch rescan with nothing new. Both tools' totals are checked against the
// generator's exact expected totals: a Token Watch mismatch fails the bench, a ccusage one warns.

import fs from 'node:fs'
import path from 'node:path'

import { GENERATOR_VERSION, generateClaudeTree, parseSize } from '../gen-claude-tree.mjs'
import { CCUSAGE_VERSION, ccusageTotals, ensureCcusage } from '../lib/ccusage.mjs'
import { MiB, fmtBytes, max, measure, median, rssMethod, table } from '../lib/measure.mjs'

export const name = 'backfill'
export const order = 0
export const description = 'cold backfill MiB/s + peak RSS: tokenwatch scan vs ccusage daily, then a no-op rescan'

const TARGET_RATIO = 1 // tokenwatch MiB/s >= 1x ccusage (issue #16); the 2x path is shown from the stage breakdown
const STRETCH_RATIO = 2
const TARGET_RSS_MIB = 150 // for a 1 GiB tree
const TARGET_RESCAN_MS = 1000 // "milliseconds, not a re-read" (node startup included)

export async function run(ctx) {
  const { opts, benchDir, repoRoot, log } = ctx
  const bytes = parseSize(opts.size)
  const runs = Math.max(1, Number(opts.runs) || 3)
  const only = opts.only || null // 'tokenwatch' | 'ccusage' | null
  const seed = String(opts.seed ?? 1)
  const tmpRoot = path.join(benchDir, 'tmp')
  fs.mkdirSync(tmpRoot, { recursive: true })

  // ---- the tree (cached across runs of the bench: generation is deterministic)
  const tree = ensureTree(path.join(benchDir, 'trees'), { bytes, seed, regen: opts.regen, log })
  const m = tree.manifest
  log(`  tree: ${tree.dir}`)
  log(
    `        ${fmtBytes(m.bytes)} in ${m.files} files, ${m.lines} lines; ${m.totals.requests} requests, ${m.usageLines} usage lines (${m.duplicateUsageLines} streamed/replayed duplicates, ${m.syntheticRows} <synthetic>)`,
  )
  log(
    `        mix (lines% / bytes%): ${Object.entries(m.mix)
      .map(([k, v]) => `${k} ${v.linePct}/${v.bytePct}`)
      .join(', ')}`,
  )
  prewarm(path.join(tree.dir, 'projects'))
  const rss = rssMethod()
  log(`  peak RSS via ${rss.note}`)

  const emptyDir = path.join(tmpRoot, 'empty')
  fs.mkdirSync(emptyDir, { recursive: true })
  const baseEnv = (extra) => ({
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    NO_COLOR: '1',
    ...extra,
  })

  // ---- contenders
  const contenders = []
  const result = {
    tree: { dir: tree.dir, cached: tree.cached, generateMs: tree.generateMs, ...summarizeManifest(m) },
    rssMethod: rss.method,
    runs,
    ccusage: null,
    tokenwatch: null,
    targets: {},
  }

  if (only !== 'tokenwatch') {
    const cc = ensureCcusage(path.join(benchDir, 'ccusage'), { version: CCUSAGE_VERSION, log })
    if (!cc.ok) {
      ctx.warn(`ccusage unavailable: ${cc.reason}`)
      result.ccusage = { status: 'unavailable', reason: cc.reason }
    } else {
      const ccHome = path.join(tmpRoot, 'ccusage-home')
      fs.mkdirSync(ccHome, { recursive: true })
      const env = baseEnv({ HOME: ccHome, CLAUDE_CONFIG_DIR: tree.dir, CODEX_HOME: emptyDir })
      const args = ['daily', '--json', '--offline']
      result.ccusage = {
        status: 'ok',
        version: cc.version,
        kind: cc.native ? `node launcher + native binary (${cc.nativePkg})` : 'node',
        variants: {},
      }
      log(
        `  ccusage ${cc.version}: ${cc.native ? `native ${path.relative(repoRoot, cc.native)} (run directly) and the npm launcher` : 'launcher only (no native binary for this platform)'}`,
      )
      if (cc.native) contenders.push({ id: 'ccusage', label: `ccusage ${cc.version} (native)`, kind: 'ccusage', cmd: cc.native, args, env })
      contenders.push({
        id: 'ccusage-launcher',
        label: `ccusage ${cc.version} (npm launcher)`,
        kind: 'ccusage',
        cmd: process.execPath,
        args: [cc.launcher, ...args],
        env,
      })
    }
  }

  const cli = path.resolve(repoRoot, opts.cli || path.join('out', 'cli', 'tokenwatch.js'))
  if (only !== 'ccusage') {
    if (!fs.existsSync(cli)) {
      log(`  tokenwatch: ${path.relative(repoRoot, cli)} not built: tokenwatch figures pending`)
      result.tokenwatch = { status: 'pending', reason: `${cli} missing` }
    } else {
      result.tokenwatch = { status: 'ok' }
      contenders.push({ id: 'tokenwatch', label: 'tokenwatch scan (cold)', kind: 'tokenwatch', cli })
      // --cli-b PATH: a second build (e.g. main's) measured in the same loop, for an A/B.
      if (opts.cliB) {
        const cliB = path.resolve(repoRoot, opts.cliB)
        if (!fs.existsSync(cliB)) throw new Error(`--cli-b: ${cliB} missing`)
        contenders.push({
          id: 'tokenwatch-b',
          label: `tokenwatch B scan (cold): ${path.relative(repoRoot, cliB)}`,
          kind: 'tokenwatch',
          cli: cliB,
        })
      }
    }
  }
  if (!contenders.length) {
    log('  nothing to measure')
    return result
  }

  // ---- one unmeasured warm-up each: loads binaries, node_modules and native addons into the page cache
  for (const c of contenders) {
    if (c.kind === 'ccusage') await measure(c.cmd, c.args, { env: c.env, cwd: tmpRoot })
    else {
      const dir = fs.mkdtempSync(path.join(tmpRoot, 'tw-warm-'))
      const env = baseEnv({ HOME: dir, TOKENWATCH_HOME: dir, CLAUDE_CONFIG_DIR: emptyDir, CODEX_HOME: emptyDir })
      await measure(process.execPath, [c.cli, 'scan', '--json', '--db', path.join(dir, 'tw.db')], { env, cwd: dir })
      fs.rmSync(dir, { recursive: true, force: true })
    }
  }

  // ---- measured runs, alternating the order
  const samples = Object.fromEntries(contenders.map((c) => [c.id, []]))
  const twExtra = { rescan: [], report: [], scanJson: [], rescanJson: [], dbBytes: [] }
  let ccChecked = false
  let twChecked = false
  let twFailed = false
  let bChecked = false
  for (let i = 0; i < runs; i++) {
    const order = i % 2 === 0 ? contenders : [...contenders].reverse()
    for (const c of order) {
      if (c.kind === 'ccusage') {
        const r = await measure(c.cmd, c.args, { env: c.env, cwd: tmpRoot })
        samples[c.id].push(sample(r))
        log(`  run ${i + 1}/${runs} ${c.label}: ${fmtRun(r, m.bytes)}`)
        if (r.code !== 0) {
          ctx.warn(`${c.label} exited ${r.code}: ${r.stderr.trim().slice(0, 400)}`)
          continue
        }
        if (!ccChecked) {
          ccChecked = true
          result.ccusage.check = checkCcusage(ctx, r.stdout, m)
        }
      } else if (c.id === 'tokenwatch-b') {
        const r = await runTokenwatch(ctx, { cli: c.cli, tree: tree.dir, tmpRoot, emptyDir, baseEnv, manifest: m, verify: !bChecked })
        bChecked = true
        samples[c.id].push(sample(r.cold))
        log(`  run ${i + 1}/${runs} ${c.label}: ${fmtRun(r.cold, m.bytes)}`)
      } else {
        if (twFailed) continue
        const r = await runTokenwatch(ctx, { cli, tree: tree.dir, tmpRoot, emptyDir, baseEnv, manifest: m, verify: !twChecked })
        samples[c.id].push(sample(r.cold))
        log(`  run ${i + 1}/${runs} ${c.label}: ${fmtRun(r.cold, m.bytes)}`)
        if (r.failed) {
          twFailed = true
          continue
        }
        twExtra.rescan.push(sample(r.rescan))
        twExtra.report.push(sample(r.report))
        twExtra.scanJson.push(r.scanJson)
        twExtra.rescanJson.push(r.rescanJson)
        twExtra.dbBytes.push(r.dbBytes)
        log(
          `           tokenwatch rescan: ${r.rescan.wallMs.toFixed(0)} ms (${rescanNote(r.rescanJson)}), report: ${r.report.wallMs.toFixed(0)} ms, db ${fmtBytes(r.dbBytes)}`,
        )
        if (!twChecked) {
          twChecked = true
          result.tokenwatch.check = r.check
          result.tokenwatch.scanJson = r.scanJson
          result.tokenwatch.rescanJson = r.rescanJson
          result.tokenwatch.costUsd = r.costUsd
        }
      }
    }
  }

  // ---- summary
  const stats = {}
  for (const c of contenders) stats[c.id] = summarize(samples[c.id], m.bytes)
  if (result.ccusage?.status === 'ok') {
    for (const c of contenders)
      if (c.kind === 'ccusage') result.ccusage.variants[c.id] = { label: c.label, ...stats[c.id], samples: samples[c.id] }
  }
  if (result.tokenwatch?.status === 'ok') {
    Object.assign(result.tokenwatch, {
      cold: { ...stats.tokenwatch, samples: samples.tokenwatch },
      rescan: { ...summarize(twExtra.rescan, null), samples: twExtra.rescan },
      report: { ...summarize(twExtra.report, null), samples: twExtra.report },
      dbBytes: max(twExtra.dbBytes),
    })
    // the scan's own timing (no node startup, no process exit), if it reports one
    const selfMs = median(twExtra.scanJson.map((j) => (typeof j?.ms === 'number' ? j.ms : null)))
    if (selfMs) result.tokenwatch.cold.selfReported = { ms: selfMs, mibPerS: round(m.bytes / MiB / (selfMs / 1000), 1) }
  }

  const rows = [['', 'wall (median)', 'MiB/s', 'MiB/s (best)', 'peak RSS (max)', 'CPU user+sys', 'MiB/CPU-s', 'runs']]
  const cpu = (s) => (s.cpuS == null ? '—' : `${s.cpuS.toFixed(2)} s`)
  for (const c of contenders) {
    const s = stats[c.id]
    rows.push([
      c.label,
      fmtMs(s.wallMs),
      fmtNum(s.mibPerS),
      fmtNum(s.bestMibPerS),
      fmtRss(s.maxRssKiB),
      cpu(s),
      fmtNum(s.mibPerCpuS),
      String(s.n),
    ])
  }
  if (result.tokenwatch?.rescan?.n) {
    const s = result.tokenwatch.rescan
    rows.push(['tokenwatch rescan (nothing new)', fmtMs(s.wallMs), '—', '—', fmtRss(s.maxRssKiB), cpu(s), '—', String(s.n)])
    const p = result.tokenwatch.report
    rows.push(['tokenwatch report --json', fmtMs(p.wallMs), '—', '—', fmtRss(p.maxRssKiB), cpu(p), '—', String(p.n)])
  }
  log('')
  log(table(rows))
  if (stats['tokenwatch-b']?.n && stats.tokenwatch?.n) {
    const a = stats.tokenwatch
    const b = stats['tokenwatch-b']
    const ratio = (x, y) => (x && y ? (x / y).toFixed(2) : '—')
    result.tokenwatch.ab = { b: { ...b, samples: samples['tokenwatch-b'] }, cpu: a.cpuS / b.cpuS, wall: a.wallMs / b.wallMs }
    log(
      `  A/B (this build / B): CPU ${ratio(a.cpuS, b.cpuS)}x, wall ${ratio(a.wallMs, b.wallMs)}x, best MiB/s ${ratio(a.bestMibPerS, b.bestMibPerS)}x, peak RSS ${fmtRss(a.maxRssKiB)} vs ${fmtRss(b.maxRssKiB)}`,
    )
  }
  const self = result.tokenwatch?.cold?.selfReported
  if (self) log(`  (tokenwatch scan's own "ms": ${self.ms} ms = ${self.mibPerS} MiB/s, without node startup and exit)`)
  const stages = stageBreakdown(twExtra.scanJson, stats.tokenwatch?.wallMs)
  if (stages) {
    result.tokenwatch.stages = stages
    log(
      `  tokenwatch cold scan by stage (median of ${stages.n} runs; ${stages.workers ? `read, search and extract on ${stages.workers} worker thread${stages.workers === 1 ? '' : 's'}${stages.workers > 1 ? ', summed over them' : ''}` : 'all on one thread'}):`,
    )
    log(
      table([
        ['stage', 'ms', 'share', 'thread'],
        ...stages.rows.map((r) => [r.stage, r.ms.toFixed(1), `${r.share.toFixed(1)}%`, r.thread]),
      ]),
    )
    log(
      `  the writer waited ${stages.waitMs.toFixed(1)} ms for the workers; outside the scan (node start-up, module load, store open, exit): ${stages.outsideMs.toFixed(0)} ms`,
    )
  }
  log('')

  // ---- targets (informational; only correctness decides the exit code)
  const tw = stats.tokenwatch
  const ccBase = stats.ccusage || stats['ccusage-launcher']
  if (tw?.mibPerS && ccBase?.mibPerS) {
    const ratio = tw.mibPerS / ccBase.mibPerS
    result.targets.throughput = {
      ratio,
      target: TARGET_RATIO,
      vs: stats.ccusage ? 'ccusage native' : 'ccusage launcher',
      pass: ratio >= TARGET_RATIO,
    }
    if (tw.mibPerCpuS && ccBase.mibPerCpuS) result.targets.throughput.cpuRatio = tw.mibPerCpuS / ccBase.mibPerCpuS
    if (stats['ccusage-launcher']?.mibPerS) result.targets.throughput.ratioVsLauncher = tw.mibPerS / stats['ccusage-launcher'].mibPerS
  }
  if (tw?.maxRssKiB != null) {
    const rssMiB = tw.maxRssKiB / 1024
    const applies = m.bytes >= 1024 * MiB * 0.95
    result.targets.rss = {
      peakMiB: rssMiB,
      target: TARGET_RSS_MIB,
      appliesAtThisSize: applies,
      pass: applies ? rssMiB <= TARGET_RSS_MIB : null,
    }
  }
  if (result.tokenwatch?.rescan?.n) {
    const ms = result.tokenwatch.rescan.wallMs
    const reread = twExtra.rescanJson.some((j) => j && typeof j.bytes === 'number' && j.bytes > 0)
    result.targets.rescan = { wallMs: ms, target: TARGET_RESCAN_MS, reread, pass: ms <= TARGET_RESCAN_MS && !reread }
  }
  const t = result.targets
  if (t.throughput && ccBase?.wallMs) {
    t.throughput.stretch = {
      ratio: STRETCH_RATIO,
      wallMs: round(ccBase.wallMs / STRETCH_RATIO, 1),
      pass: t.throughput.ratio >= STRETCH_RATIO,
    }
    log(
      `  ${STRETCH_RATIO}x ccusage would be a ${t.throughput.stretch.wallMs.toFixed(0)} ms cold scan, start-up and durable close included (now ${tw.wallMs.toFixed(0)} ms)`,
    )
  }
  if (t.throughput)
    log(
      `  target throughput >= ${TARGET_RATIO}x ccusage: ${t.throughput.ratio.toFixed(2)}x vs ${t.throughput.vs}${t.throughput.ratioVsLauncher ? ` (${t.throughput.ratioVsLauncher.toFixed(2)}x vs launcher)` : ''}${t.throughput.cpuRatio ? `; per CPU-second ${t.throughput.cpuRatio.toFixed(2)}x` : ''} -> ${t.throughput.pass ? 'PASS' : 'MISS'}`,
    )
  if (t.rss)
    log(
      `  target peak RSS <= ${TARGET_RSS_MIB} MiB at 1 GiB: ${t.rss.peakMiB.toFixed(0)} MiB at ${fmtBytes(m.bytes)} -> ${t.rss.pass == null ? 'n/a (run with --size 1GiB)' : t.rss.pass ? 'PASS' : 'MISS'}`,
    )
  if (t.rescan)
    log(
      `  target rescan in ms, no re-read: ${t.rescan.wallMs.toFixed(0)} ms${t.rescan.reread ? ', re-read bytes' : ''} -> ${t.rescan.pass ? 'PASS' : 'MISS'}`,
    )
  for (const [k, v] of Object.entries(t)) if (v.pass === false) ctx.targetMiss(`${name}: ${k}`)
  return result
}

// ---------------------------------------------------------------- tree

function ensureTree(treesDir, { bytes, seed, regen, log }) {
  const key = `claude-g${GENERATOR_VERSION}-seed${seed}-${bytes}`
  const dir = path.join(treesDir, key)
  const manifestPath = path.join(treesDir, `${key}.manifest.json`)
  if (!regen && fs.existsSync(manifestPath) && fs.existsSync(dir)) {
    return { dir, manifest: JSON.parse(fs.readFileSync(manifestPath, 'utf8')), cached: true, generateMs: null }
  }
  fs.rmSync(dir, { recursive: true, force: true })
  fs.rmSync(manifestPath, { force: true })
  // trees of older generator versions are stale: drop them
  if (fs.existsSync(treesDir)) {
    for (const f of fs.readdirSync(treesDir)) {
      const v = /^claude-g(\d+)-/.exec(f)
      if (v && Number(v[1]) !== GENERATOR_VERSION) fs.rmSync(path.join(treesDir, f), { recursive: true, force: true })
    }
  }
  log(`  generating ${fmtBytes(bytes)} Claude Code tree (seed ${seed}) ...`)
  const t0 = Date.now()
  const manifest = generateClaudeTree(dir, { bytes, seed })
  const generateMs = Date.now() - t0
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 1))
  log(`  generated in ${(generateMs / 1000).toFixed(1)} s`)
  return { dir, manifest, cached: false, generateMs }
}

/** Reads every file once so that neither tool pays for the first read from disk. */
function prewarm(dir) {
  const buf = Buffer.allocUnsafe(1 << 20)
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else if (e.isFile()) {
        const fd = fs.openSync(p, 'r')
        while (fs.readSync(fd, buf, 0, buf.length, null) > 0);
        fs.closeSync(fd)
      }
    }
  }
  walk(dir)
}

function summarizeManifest(m) {
  const { byDay: _byDay, byModel, ...rest } = m
  return { ...rest, models: Object.keys(byModel) }
}

// ---------------------------------------------------------------- tokenwatch

function parseJsonOut(stdout) {
  const s = stdout.trim()
  try {
    return JSON.parse(s)
  } catch {
    // tolerate log lines before the object
    const lines = s.split('\n')
    for (let i = lines.length - 1; i >= 0; i--) {
      if (lines[i].startsWith('{')) {
        try {
          return JSON.parse(lines.slice(i).join('\n'))
        } catch {
          // keep looking
        }
      }
    }
    return null
  }
}

async function runTokenwatch(ctx, { cli, tree, tmpRoot, emptyDir, baseEnv, manifest, verify }) {
  const dir = fs.mkdtempSync(path.join(tmpRoot, 'tw-'))
  const home = path.join(dir, 'home')
  fs.mkdirSync(home)
  const db = path.join(dir, 'tw.db')
  const env = baseEnv({ HOME: home, TOKENWATCH_HOME: dir, CLAUDE_CONFIG_DIR: tree, CODEX_HOME: emptyDir })
  const node = process.execPath
  const out = { failed: false }
  try {
    out.cold = await measure(node, [cli, 'scan', '--json', '--db', db], { env, cwd: dir })
    if (out.cold.code !== 0) {
      ctx.fail(
        `tokenwatch scan exited ${out.cold.code}${out.cold.signal ? ` (${out.cold.signal})` : ''}: ${out.cold.stderr.trim().slice(-600)}`,
      )
      out.failed = true
      return out
    }
    out.scanJson = parseJsonOut(out.cold.stdout)
    if (!out.scanJson) ctx.warn(`tokenwatch scan --json printed no JSON object: ${out.cold.stdout.slice(0, 300)}`)
    out.dbBytes = ['', '-wal', '-shm'].reduce((n, s) => n + (fs.existsSync(db + s) ? fs.statSync(db + s).size : 0), 0)

    out.report = await measure(node, [cli, 'report', '--json', '--tz', 'UTC', '--db', db], { env, cwd: dir })
    const rep = out.report.code === 0 ? parseJsonOut(out.report.stdout) : null
    out.rescan = await measure(node, [cli, 'scan', '--json', '--db', db], { env, cwd: dir })
    out.rescanJson = out.rescan.code === 0 ? parseJsonOut(out.rescan.stdout) : null
    if (out.rescan.code !== 0) ctx.fail(`tokenwatch rescan exited ${out.rescan.code}: ${out.rescan.stderr.trim().slice(-600)}`)

    if (verify) {
      if (!rep || !rep.totals) {
        ctx.fail(
          `tokenwatch report --json gave no totals (exit ${out.report.code}): ${(out.report.stderr || out.report.stdout).trim().slice(-600)}`,
        )
        out.check = { ok: false, reason: 'no report totals' }
      } else {
        out.check = checkTokenwatch(ctx, rep.totals, manifest, 'after cold scan')
        out.costUsd = rep.totals.costUsd
        // the rescan must not change anything
        const rep2 = await measure(node, [cli, 'report', '--json', '--tz', 'UTC', '--db', db], { env, cwd: dir })
        const j2 = rep2.code === 0 ? parseJsonOut(rep2.stdout) : null
        if (!j2?.totals) ctx.fail('tokenwatch report after rescan gave no totals')
        else out.check.afterRescan = checkTokenwatch(ctx, j2.totals, manifest, 'after rescan')
      }
      if (out.scanJson) {
        const s = out.scanJson
        const missing = ['files', 'lines', 'events', 'duplicates', 'skipped', 'bytes'].filter((k) => typeof s[k] !== 'number')
        if (missing.length) ctx.warn(`tokenwatch scan --json lacks ${missing.join(', ')}`)
        const info = []
        if (s.files !== manifest.files) info.push(`files ${s.files} (tree has ${manifest.files})`)
        if (s.bytes !== manifest.bytes) info.push(`bytes ${s.bytes} (tree has ${manifest.bytes})`)
        if (info.length) ctx.log(`  note: tokenwatch scan reported ${info.join(', ')}`)
      }
    }
    return out
  } finally {
    if (!ctx.opts.keepTmp) fs.rmSync(dir, { recursive: true, force: true })
  }
}

const BUCKETS = ['input', 'output', 'cacheRead', 'cacheWrite']

function checkTokenwatch(ctx, got, manifest, when) {
  const exp = manifest.totals
  const bad = BUCKETS.filter((k) => got[k] !== exp[k]).map((k) => `${k} ${got[k]} != ${exp[k]}`)
  let requestsNote = null
  if (got.requests !== exp.requests) {
    if (got.requests === exp.requests + manifest.syntheticRows)
      requestsNote = `counts the ${manifest.syntheticRows} <synthetic> rows as requests`
    else bad.push(`requests ${got.requests} != ${exp.requests}`)
  }
  if (bad.length) ctx.fail(`tokenwatch totals ${when} differ from the generator's: ${bad.join('; ')}`)
  else
    ctx.log(
      `  tokenwatch totals ${when} match the generator (${exp.requests} requests, ${exp.totalTokens} tokens)${requestsNote ? `; note: ${requestsNote}` : ''}`,
    )
  return { ok: bad.length === 0, mismatches: bad, requestsNote }
}

function checkCcusage(ctx, stdout, manifest) {
  let t
  try {
    t = ccusageTotals(stdout)
  } catch (e) {
    ctx.warn(`ccusage printed no JSON: ${e.message}`)
    return { ok: false, reason: 'no JSON' }
  }
  const exp = manifest.totals
  const bad = BUCKETS.filter((k) => t[k] !== exp[k]).map((k) => `${k} ${t[k]} != ${exp[k]}`)
  if (bad.length) ctx.warn(`ccusage totals differ from the generator's: ${bad.join('; ')}`)
  else ctx.log(`  ccusage totals match the generator (${exp.totalTokens} tokens over ${t.days} days, $${t.costUsd.toFixed(2)})`)
  return { ok: bad.length === 0, mismatches: bad, costUsd: t.costUsd, days: t.days }
}

// ---------------------------------------------------------------- stages

const STAGES = [
  ['read', 'readMs', 'workers'],
  ['search (line split, needle)', 'searchMs', 'workers'],
  ['extract (parse candidate lines)', 'extractMs', 'workers'],
  ['dedup (merge, key lookups)', 'dedupMs', 'writer'],
  ['SQL (rows, aggregates, spans)', 'sqlMs', 'writer'],
  ['commit (COMMIT, checkpoint, close)', 'commitMs', 'writer'],
]

/** The scan's own per-stage timings (`scan --json` "stages"), median per stage over the runs. */
function stageBreakdown(jsons, wallMs) {
  const ok = jsons.filter((j) => j && j.stages)
  if (!ok.length) return null
  const med = (k) => median(ok.map((j) => j.stages[k])) ?? 0
  const workers = median(ok.map((j) => j.stages.workers)) ?? 0
  const rows = STAGES.map(([stage, key, thread]) => ({ stage, key, ms: med(key), thread: workers ? thread : 'main' }))
  const sum = rows.reduce((a, r) => a + r.ms, 0)
  for (const r of rows) r.share = sum ? (100 * r.ms) / sum : 0
  const scanMs = median(ok.map((j) => j.ms)) ?? 0
  // The store's close (its final checkpoint) runs after the scan's "ms" and is counted in commit.
  return { n: ok.length, workers, rows, waitMs: med('waitMs'), scanMs, outsideMs: Math.max(0, (wallMs ?? 0) - scanMs - med('closeMs')) }
}

// ---------------------------------------------------------------- formatting

function sample(r) {
  return { wallMs: round(r.wallMs, 1), userS: r.userS, sysS: r.sysS, maxRssKiB: r.maxRssKiB, code: r.code }
}
function summarize(xs, bytes) {
  const ok = xs.filter((x) => x.code === 0)
  const wallMs = median(ok.map((x) => x.wallMs))
  const cpu = median(ok.map((x) => (x.userS != null ? x.userS + x.sysS : null)))
  const best = ok.length ? Math.min(...ok.map((x) => x.wallMs)) : null
  return {
    n: ok.length,
    wallMs,
    mibPerS: bytes && wallMs ? round(bytes / MiB / (wallMs / 1000), 1) : null,
    bestWallMs: best,
    bestMibPerS: bytes && best ? round(bytes / MiB / (best / 1000), 1) : null,
    maxRssKiB: max(ok.map((x) => x.maxRssKiB)),
    cpuS: cpu,
    // throughput per CPU-second: steadier than wall time when other processes share the cores
    mibPerCpuS: bytes && cpu ? round(bytes / MiB / cpu, 1) : null,
  }
}
function fmtRun(r, bytes) {
  const mibs = bytes / MiB / (r.wallMs / 1000)
  return `${fmtMs(r.wallMs)}, ${mibs.toFixed(1)} MiB/s, peak RSS ${fmtRss(r.maxRssKiB)}${r.code !== 0 ? ` [exit ${r.code}]` : ''}`
}
function fmtMs(ms) {
  if (ms == null) return '—'
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`
}
function fmtRss(kib) {
  return kib == null ? 'unavailable' : `${(kib / 1024).toFixed(1)} MiB`
}
function fmtNum(x) {
  return x == null ? '—' : x.toFixed(1)
}
function rescanNote(j) {
  if (!j) return 'no JSON'
  return ['files', 'filesRead', 'lines', 'events', 'bytes']
    .filter((k) => k in j)
    .map((k) => `${k} ${j[k]}`)
    .join(', ')
}
function round(x, d) {
  const f = 10 ** d
  return Math.round(x * f) / f
}
