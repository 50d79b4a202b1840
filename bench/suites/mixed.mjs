// Suite: cold backfill of a mixed tree (several agents' logs and databases side by side).
//
// Token Watch `scan --json` into a fresh store over a tree half Claude Code and half Gemini CLI,
// pi, OpenClaw, Codebuff, OpenCode, Hermes, ZCode and Cursor (bench/gen-mixed-tree.mjs), N runs
// (median); every source's totals are checked against the generator's (a mismatch fails the
// bench). ccusage 20.0.24 `daily --json --offline` reads the same tree (all its agents, Cursor
// aside, which it does not read) for reference; its totals are compared and only warned about.

import fs from 'node:fs'
import path from 'node:path'

import { MIXED_GENERATOR_VERSION, generateMixedTree } from '../gen-mixed-tree.mjs'
import { parseSize } from '../gen-claude-tree.mjs'
import { CCUSAGE_VERSION, ccusageTotals, ensureCcusage } from '../lib/ccusage.mjs'
import { MiB, fmtBytes, max, measure, median, table } from '../lib/measure.mjs'

export const name = 'mixed'
export const order = 1
export const description =
  'cold backfill of a mixed tree (Claude Code + 12 other agents, logs, documents and databases): MiB/s, per-source totals exact'

const BUCKETS = ['input', 'output', 'cacheRead', 'cacheWrite', 'requests']

export async function run(ctx) {
  const { opts, benchDir, repoRoot, log } = ctx
  const bytes = parseSize(opts.size)
  const runs = Math.max(1, Number(opts.runs) || 3)
  const seed = String(opts.seed ?? 1)
  const tmpRoot = path.join(benchDir, 'tmp')
  fs.mkdirSync(tmpRoot, { recursive: true })
  const key = `mixed-g${MIXED_GENERATOR_VERSION}-seed${seed}-${bytes}`
  const dir = path.join(benchDir, 'trees', key)
  let m
  if (!opts.regen && fs.existsSync(path.join(dir, 'manifest.json')))
    m = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'))
  else {
    log(`  generating ${fmtBytes(bytes)} mixed tree (seed ${seed}) ...`)
    m = generateMixedTree(dir, { bytes, seed })
  }
  log(`  tree: ${dir}`)
  log(`        ${fmtBytes(m.bytes)} in ${m.files} files; ${m.totals.requests} requests`)
  const rows = [['source', 'files', 'bytes', 'requests']]
  for (const [id, s] of Object.entries(m.sources)) rows.push([id, String(s.files), fmtBytes(s.bytes), String(s.totals.requests)])
  log(table(rows))
  const emptyDir = path.join(tmpRoot, 'empty')
  fs.mkdirSync(emptyDir, { recursive: true })
  const agentEnv = Object.assign({}, ...Object.values(m.sources).map((s) => s.env))
  const baseEnv = (extra) => ({
    PATH: process.env.PATH,
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    NO_COLOR: '1',
    CODEX_HOME: emptyDir,
    ...agentEnv,
    ...extra,
  })
  const result = {
    tree: {
      dir,
      bytes: m.bytes,
      files: m.files,
      sources: Object.fromEntries(
        Object.entries(m.sources).map(([k, s]) => [k, { files: s.files, bytes: s.bytes, requests: s.totals.requests }]),
      ),
    },
    runs,
  }

  const cli = path.resolve(repoRoot, opts.cli || path.join('out', 'cli', 'tokenwatch.js'))
  const samples = { tokenwatch: [], ccusage: [] }
  let cc = null
  if (opts.only !== 'tokenwatch') {
    cc = ensureCcusage(path.join(benchDir, 'ccusage'), { version: CCUSAGE_VERSION, log })
    if (!cc.ok) ctx.warn(`ccusage unavailable: ${cc.reason}`)
  }
  const ccHome = path.join(tmpRoot, 'ccusage-home-mixed')
  fs.mkdirSync(ccHome, { recursive: true })
  // ccusage's names for the same folders: OPENCODE_DATA_DIR, GEMINI_DATA_DIR (the tmp folder).
  const ccEnv = baseEnv({
    HOME: ccHome,
    OPENCODE_DATA_DIR: path.join(agentEnv.XDG_DATA_HOME, 'opencode'),
    GEMINI_DATA_DIR: path.join(agentEnv.GEMINI_CLI_HOME, 'tmp'),
  })
  let checked = false
  for (let i = 0; i < runs; i++) {
    if (cc?.ok && opts.only !== 'tokenwatch') {
      const r = await measure(
        cc.native ?? process.execPath,
        cc.native ? ['daily', '--json', '--offline'] : [cc.launcher, 'daily', '--json', '--offline'],
        { env: ccEnv, cwd: tmpRoot },
      )
      samples.ccusage.push(r)
      log(`  run ${i + 1}/${runs} ccusage ${cc.version}: ${(r.wallMs / 1000).toFixed(2)} s`)
      if (i === 0 && r.code === 0) result.ccusageCheck = checkCcusage(ctx, r.stdout, m)
    }
    if (opts.only === 'ccusage') continue
    const run = fs.mkdtempSync(path.join(tmpRoot, 'tw-mixed-'))
    try {
      fs.mkdirSync(path.join(run, 'home'))
      fs.mkdirSync(path.join(run, 'cursor-usage'))
      for (const f of fs.readdirSync(m.sources.cursor.importDir))
        fs.copyFileSync(path.join(m.sources.cursor.importDir, f), path.join(run, 'cursor-usage', f))
      const env = baseEnv({ HOME: path.join(run, 'home'), TOKENWATCH_HOME: run })
      const r = await measure(process.execPath, [cli, 'scan', '--json'], { env, cwd: run })
      if (r.code !== 0) {
        ctx.fail(`tokenwatch scan exited ${r.code}: ${r.stderr.trim().slice(-600)}`)
        break
      }
      samples.tokenwatch.push(r)
      const scan = JSON.parse(
        r.stdout
          .trim()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .pop() ?? '{}',
      )
      log(
        `  run ${i + 1}/${runs} tokenwatch scan (cold): ${(r.wallMs / 1000).toFixed(2)} s, scan's own ${scan.ms} ms, ${(m.bytes / MiB / (r.wallMs / 1000)).toFixed(1)} MiB/s`,
      )
      if (!checked) {
        checked = true
        const rep = await measure(process.execPath, [cli, 'report', '--json', '--tz', 'UTC', '--group-by', 'source'], { env, cwd: run })
        result.check = checkTokenwatch(ctx, JSON.parse(rep.stdout), m)
      }
    } finally {
      if (!opts.keepTmp) fs.rmSync(run, { recursive: true, force: true })
    }
  }
  const sum = (xs) => {
    const ok = xs.filter((x) => x.code === 0)
    const wallMs = median(ok.map((x) => x.wallMs))
    const cpuS = median(ok.map((x) => (x.userS != null ? x.userS + x.sysS : null)))
    return {
      n: ok.length,
      wallMs,
      mibPerS: wallMs ? Math.round((m.bytes / MiB / (wallMs / 1000)) * 10) / 10 : null,
      cpuS,
      maxRssKiB: max(ok.map((x) => x.maxRssKiB)),
    }
  }
  result.tokenwatch = sum(samples.tokenwatch)
  if (samples.ccusage.length) result.ccusage = sum(samples.ccusage)
  const out = [['', 'wall (median)', 'MiB/s', 'CPU user+sys', 'peak RSS', 'runs']]
  const line = (label, s) =>
    out.push([
      label,
      s.wallMs == null ? '—' : `${(s.wallMs / 1000).toFixed(2)} s`,
      s.mibPerS == null ? '—' : s.mibPerS.toFixed(1),
      s.cpuS == null ? '—' : `${s.cpuS.toFixed(2)} s`,
      s.maxRssKiB == null ? '—' : `${(s.maxRssKiB / 1024).toFixed(0)} MiB`,
      String(s.n),
    ])
  if (result.ccusage) line(`ccusage ${CCUSAGE_VERSION} daily (its agents, no Cursor)`, result.ccusage)
  line('tokenwatch scan (cold, every source)', result.tokenwatch)
  log('')
  log(table(out))
  return result
}

function checkTokenwatch(ctx, rep, m) {
  const bad = []
  for (const [id, s] of Object.entries(m.sources)) {
    const r = rep.rows.find((x) => x.source === id)
    const d = BUCKETS.filter((k) => (r?.[k] ?? 0) !== s.totals[k]).map((k) => `${k} ${r?.[k] ?? 0} != ${s.totals[k]}`)
    if (d.length) bad.push(`${id}: ${d.join(', ')}`)
  }
  if (bad.length) ctx.fail(`tokenwatch per-source totals differ from the generator's: ${bad.join('; ')}`)
  else ctx.log(`  tokenwatch totals match the generator for all ${Object.keys(m.sources).length} sources (${m.totals.requests} requests)`)
  return { ok: bad.length === 0, mismatches: bad }
}

function checkCcusage(ctx, stdout, m) {
  let t
  try {
    t = ccusageTotals(stdout)
  } catch (e) {
    ctx.warn(`ccusage printed no JSON: ${e.message}`)
    return { ok: false }
  }
  const exp = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
  // What ccusage shows per source where that differs (`ccusage`); null: it does not read the source.
  const view = (id, s) => (id === 'cursor' ? null : s.ccusage === undefined ? s.totals : s.ccusage)
  for (const [id, s] of Object.entries(m.sources)) {
    const v = view(id, s)
    if (v) for (const k of Object.keys(exp)) exp[k] += v[k]
  }
  const unread = Object.entries(m.sources)
    .filter(([id, s]) => view(id, s) === null)
    .map(([id]) => id)
  const bad = Object.keys(exp)
    .filter((k) => t[k] !== exp[k])
    .map((k) => `${k} ${t[k]} != ${exp[k]}`)
  if (bad.length) ctx.warn(`ccusage totals differ from the generator's (${unread.join(', ')} aside): ${bad.join('; ')}`)
  else ctx.log(`  ccusage totals match the generator (every source but ${unread.join(', ')}, which it does not read)`)
  return { ok: bad.length === 0, mismatches: bad }
}
