// Runs a child process and measures wall time (monotonic), CPU time and peak RSS.
//
// Peak RSS comes from GNU time (`/usr/bin/time -f ... -o FILE`, exact: the kernel's ru_maxrss, which
// also covers descendants the child waited for), else from polling /proc/<pid>/status VmHWM (the
// child only, may miss a peak in its last few ms), else it is reported as unavailable (null).

import { spawn, spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

let timeTool // cached detection result

/** { method: 'gnu-time' | 'proc' | 'none', path?, note } */
export function rssMethod() {
  if (timeTool) return timeTool
  const out = path.join(os.tmpdir(), `bench-time-probe-${process.pid}`)
  for (const p of ['/usr/bin/time', '/bin/time']) {
    try {
      const r = spawnSync(p, ['-f', '%M %U %S', '-o', out, 'true'], { stdio: 'ignore' })
      const txt = r.status === 0 ? fs.readFileSync(out, 'utf8').trim() : ''
      fs.rmSync(out, { force: true })
      if (/^\d+ [\d.]+ [\d.]+$/.test(txt.split('\n').pop())) {
        timeTool = { method: 'gnu-time', path: p, note: `${p} -f %M (exact ru_maxrss)` }
        return timeTool
      }
    } catch {
      // try the next one
    }
  }
  if (fs.existsSync(`/proc/${process.pid}/status`)) {
    timeTool = { method: 'proc', note: 'GNU time not found (apt-get install time): polling /proc/<pid>/status VmHWM, may under-report' }
  } else {
    timeTool = { method: 'none', note: 'peak RSS unavailable: no GNU time and no /proc' }
  }
  return timeTool
}

const CLK_TCK = 100

function readProcStat(pid) {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
    return { userS: Number(f[11]) / CLK_TCK, sysS: Number(f[12]) / CLK_TCK }
  } catch {
    return null
  }
}
function readVmHWM(pid) {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : null
  } catch {
    return null
  }
}

/**
 * @returns {Promise<{code:number|null, signal:string|null, wallMs:number, userS:number|null,
 *   sysS:number|null, maxRssKiB:number|null, rssMethod:string, stdout:string, stderr:string,
 *   timedOut:boolean}>}
 */
export function measure(cmd, args, { env, cwd, timeoutMs = 60 * 60 * 1000 } = {}) {
  const tool = rssMethod()
  let file = cmd
  let argv = args
  let timeOut = null
  if (tool.method === 'gnu-time') {
    timeOut = path.join(os.tmpdir(), `bench-time-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`)
    file = tool.path
    argv = ['-f', '%M %U %S', '-o', timeOut, cmd, ...args]
  }
  return new Promise((resolve, reject) => {
    const out = []
    const err = []
    const t0 = process.hrtime.bigint()
    const child = spawn(file, argv, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (b) => out.push(b))
    child.stderr.on('data', (b) => err.push(b))
    let hwm = null
    let cpu = null
    let poll = null
    if (tool.method === 'proc') {
      const sample = () => {
        const v = readVmHWM(child.pid)
        if (v != null) hwm = Math.max(hwm ?? 0, v)
        cpu = readProcStat(child.pid) ?? cpu
      }
      sample()
      poll = setInterval(sample, 10)
    }
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      if (poll) clearInterval(poll)
      reject(e)
    })
    child.on('close', (code, signal) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6
      clearTimeout(timer)
      if (poll) clearInterval(poll)
      let maxRssKiB = hwm
      let userS = cpu?.userS ?? null
      let sysS = cpu?.sysS ?? null
      if (timeOut) {
        try {
          // GNU time prints "Command exited with non-zero status N" before the format line.
          const last = fs.readFileSync(timeOut, 'utf8').trim().split('\n').pop()
          const [m, u, s] = last.split(' ')
          maxRssKiB = Number(m)
          userS = Number(u)
          sysS = Number(s)
        } catch {
          // leave nulls
        }
        fs.rmSync(timeOut, { force: true })
      }
      resolve({
        code,
        signal,
        wallMs,
        userS,
        sysS,
        maxRssKiB: Number.isFinite(maxRssKiB) ? maxRssKiB : null,
        rssMethod: tool.method,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        timedOut,
      })
    })
  })
}

export function median(xs) {
  const v = xs.filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b)
  if (!v.length) return null
  const m = v.length >> 1
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2
}

export function max(xs) {
  const v = xs.filter((x) => x != null && Number.isFinite(x))
  return v.length ? Math.max(...v) : null
}

export const MiB = 1024 * 1024

export function fmtBytes(n) {
  if (n == null) return '—'
  if (n >= 1024 * MiB) return `${(n / (1024 * MiB)).toFixed(2)} GiB`
  if (n >= MiB) return `${(n / MiB).toFixed(1)} MiB`
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`
  return `${n} B`
}

/** Renders rows (arrays of cells) as an aligned text table; the first row is the header. */
export function table(rows) {
  const w = []
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, String(c).length)))
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ')
  return [line(rows[0]), w.map((x) => '-'.repeat(x)).join('  '), ...rows.slice(1).map(line)].join('\n')
}
