// The engine as a separate process, for the suites that measure one running: start
// `tokenwatch serve` and wait until it watches, and read its memory and inotify watches from /proc.

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { performance } from 'node:perf_hooks'

/** VmRSS, VmHWM (KiB) and the thread count of a process, null if unknown. */
export function procStatus(pid) {
  try {
    const t = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
    const kb = (k) => Number(new RegExp(`${k}:\\s+(\\d+) kB`).exec(t)?.[1] ?? NaN)
    return { rssKiB: kb('VmRSS'), hwmKiB: kb('VmHWM'), threads: Number(/Threads:\s+(\d+)/.exec(t)?.[1] ?? NaN) }
  } catch {
    return null
  }
}

/** Number of inotify watches the process holds (from /proc/<pid>/fdinfo), null if unknown. */
export function inotifyWatches(pid) {
  try {
    let n = 0
    let found = false
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
      let link
      try {
        link = fs.readlinkSync(`/proc/${pid}/fd/${fd}`)
      } catch {
        continue
      }
      if (link !== 'anon_inode:inotify') continue
      found = true
      n += fs
        .readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('inotify wd:')).length
    }
    return found ? n : null
  } catch {
    return null
  }
}

/**
 * Starts `node <cli> serve --no-web --no-socket` and resolves once it prints `watching` (after its
 * backfill), with its store path, backfill line and time to ready.
 */
export function startEngine(cli, env, cwd) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(process.execPath, [cli, 'serve', '--no-web', '--no-socket'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const info = { child, stdout: '', stderr: '', db: null, backfill: null, readyMs: null }
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (t) => {
      if (info.stderr.length < 64 * 1024) info.stderr += t
    })
    child.stdout.setEncoding('utf8')
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(
        new Error(`engine did not print "watching" within 10 min; stdout: ${info.stdout.slice(-400)} stderr: ${info.stderr.slice(-400)}`),
      )
    }, 600_000)
    const onExit = (code, sig) => {
      clearTimeout(timer)
      reject(new Error(`engine exited early (code ${code}, signal ${sig}): ${info.stderr.slice(-800)}`))
    }
    child.once('error', reject)
    child.once('exit', onExit)
    child.stdout.on('data', (t) => {
      info.stdout += t
      const store = /^store\s+(.+)$/m.exec(info.stdout)
      if (store) info.db = store[1].trim()
      const bf = /^backfill\s+(.+)$/m.exec(info.stdout)
      if (bf) info.backfill = bf[1].trim()
      if (/^watching\b/m.test(info.stdout) && info.readyMs === null) {
        info.readyMs = performance.now() - t0
        clearTimeout(timer)
        child.removeListener('exit', onExit)
        resolve(info)
      }
    })
  })
}
