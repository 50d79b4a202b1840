// Suite: watcher memory. A running engine watching a tree of many small log files: its resident
// memory (VmRSS, and the peak VmHWM) and inotify watches once it is watching, for a tree of
// --watch-small files (default 1,000) and one of --watch-files (default 100,000) small Claude Code
// session files (one assistant line each, ~450 bytes) in --watch-folders project folders (default
// 1,000). Each tree: `node out/cli/tokenwatch.js serve --no-web --no-socket`, wait for `watching`,
// settle --watch-settle-s (default 5) seconds, read /proc/<pid>/status and fdinfo, append one line
// to one file and wait until the store has it (the watch is live), then SIGTERM (exit 0 expected).
// Correctness: the store holds exactly the tree's requests (+ the appended one).
//
// Target (issue #10): memory bounded as the file count grows: RSS at 100,000 files <= 300 MiB.

import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { performance } from 'node:perf_hooks'

import { inotifyWatches, procStatus, startEngine } from '../lib/engine-process.mjs'
import { table } from '../lib/measure.mjs'

export const name = 'watch-memory'
export const order = 65
export const description = 'watcher memory: engine RSS and inotify watches with 1,000 and 100,000 small watched log files'

const TARGET_RSS_MIB = 300
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

function assistantLine(id, ts) {
  return (
    JSON.stringify({
      type: 'assistant',
      timestamp: ts,
      sessionId: id,
      cwd: '/work/app',
      requestId: `req_${id}`,
      uuid: id,
      message: {
        id: `msg_${id}`,
        type: 'message',
        role: 'assistant',
        model: 'claude-sonnet-4-5-20250929',
        usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 100, cache_creation_input_tokens: 0 },
      },
    }) + '\n'
  )
}

function layTree(projects, files, folders) {
  for (let f = 0; f < folders; f++) fs.mkdirSync(path.join(projects, `-work-p${f}`), { recursive: true })
  const ts = '2026-03-01T10:00:00.000Z'
  for (let i = 0; i < files; i++) fs.writeFileSync(path.join(projects, `-work-p${i % folders}`, `s${i}.jsonl`), assistantLine(`w${i}`, ts))
}

async function measureTree(ctx, cli, files, folders, settleS) {
  const { benchDir, log } = ctx
  fs.mkdirSync(path.join(benchDir, 'tmp'), { recursive: true })
  const tmp = fs.mkdtempSync(path.join(benchDir, 'tmp', 'watch-'))
  try {
    const claude = path.join(tmp, 'claude')
    const home = path.join(tmp, 'home')
    const empty = path.join(tmp, 'empty')
    fs.mkdirSync(home, { recursive: true })
    fs.mkdirSync(empty, { recursive: true })
    const g0 = performance.now()
    layTree(path.join(claude, 'projects'), files, folders)
    log(`  ${files} files in ${folders} folders laid out in ${((performance.now() - g0) / 1000).toFixed(1)} s`)
    const env = {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      TZ: 'UTC',
      TOKENWATCH_HOME: home,
      HOME: home,
      TOKENWATCH_USER: 'bench',
      CLAUDE_CONFIG_DIR: claude,
      CODEX_HOME: empty,
      GEMINI_CLI_HOME: empty,
      AMP_DATA_DIR: empty,
      OPENCODE_DB: path.join(empty, 'none.db'),
    }
    const engine = await startEngine(cli, env, tmp)
    const pid = engine.child.pid
    await sleep(settleS * 1000)
    const status = procStatus(pid)
    const watches = inotifyWatches(pid)
    const Database = createRequire(path.join(ctx.repoRoot, 'package.json'))('better-sqlite3')
    const db = new Database(engine.db, { readonly: true, fileMustExist: true })
    const count = db.prepare('SELECT count(*) FROM usage_events').pluck()
    const stored = count.get()
    if (stored !== files) ctx.fail(`${files} files: the store holds ${stored} requests after the backfill`)
    // The watch is live: a line appended to one of the files shows up.
    const t0 = performance.now()
    fs.appendFileSync(path.join(claude, 'projects', '-work-p0', 's0.jsonl'), assistantLine('appended', '2026-03-01T10:05:00.000Z'))
    let seen = null
    while (performance.now() - t0 < 10_000) {
      if (count.get() === files + 1) {
        seen = performance.now() - t0
        break
      }
      await sleep(5)
    }
    if (seen === null) ctx.fail(`${files} files: an appended line was not seen within 10 s`)
    db.close()
    const exit = await new Promise((r) => {
      engine.child.once('exit', (code, sig) => r(code ?? sig))
      engine.child.kill('SIGTERM')
    })
    if (exit !== 0) ctx.fail(`${files} files: the engine exited with ${exit} on SIGTERM`)
    return {
      files,
      folders,
      readyMs: Math.round(engine.readyMs),
      rssMiB: +(status.rssKiB / 1024).toFixed(1),
      hwmMiB: +(status.hwmKiB / 1024).toFixed(1),
      inotifyWatches: watches,
      appendSeenMs: seen === null ? null : Math.round(seen),
    }
  } finally {
    if (!ctx.opts.keepTmp) fs.rmSync(tmp, { recursive: true, force: true })
  }
}

export async function run(ctx) {
  const { opts, repoRoot, log } = ctx
  const cli = path.resolve(repoRoot, opts.cli || path.join('out', 'cli', 'tokenwatch.js'))
  if (!fs.existsSync(cli)) {
    log(`  ${path.relative(repoRoot, cli)} not built (npm run build:cli): figures pending`)
    return { status: 'pending', reason: `${cli} missing` }
  }
  const big = Math.max(10, Number(opts.watchFiles) || 100_000)
  const small = Math.max(10, Number(opts.watchSmall) || 1000)
  const folders = Math.max(1, Number(opts.watchFolders) || 1000)
  const settleS = Math.max(0, Number(opts.watchSettleS ?? 5))
  const rows = []
  for (const n of [small, big]) {
    const r = await measureTree(ctx, cli, n, Math.min(folders, n), settleS)
    log(`  ${n} files: RSS ${r.rssMiB} MiB (peak ${r.hwmMiB} MiB), ${r.inotifyWatches} inotify watches`)
    rows.push(r)
  }
  log(
    table([
      ['files', 'folders', 'backfill + watching', 'RSS', 'peak RSS', 'inotify watches', 'append seen'],
      ...rows.map((r) => [
        r.files.toLocaleString('en-US'),
        r.folders,
        `${(r.readyMs / 1000).toFixed(1)} s`,
        `${r.rssMiB} MiB`,
        `${r.hwmMiB} MiB`,
        r.inotifyWatches ?? '?',
        r.appendSeenMs === null ? 'never' : `${r.appendSeenMs} ms`,
      ]),
    ]),
  )
  const last = rows[rows.length - 1]
  const met = last.rssMiB <= TARGET_RSS_MIB
  if (!met) ctx.targetMiss(`watch-memory: RSS ${last.rssMiB} MiB at ${last.files} files > ${TARGET_RSS_MIB} MiB`)
  return { rows, target: { rssMiB: TARGET_RSS_MIB, met } }
}
