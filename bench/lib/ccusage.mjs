// Installs ccusage (pinned) into a cache dir outside the project's dependencies and tells how to run it.
//
// ccusage 20.x on npm is a small Node launcher (src/cli.js) that spawns a static native binary from
// the optional dependency @ccusage/ccusage-<platform>-<arch> (Rust). We run both: the native binary
// directly (the work itself, no launcher cost) and the launcher as a user's `ccusage` runs it.

import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'

export const CCUSAGE_VERSION = '20.0.24'

function readJson(p) {
  try {
    return JSON.parse(fs.readFileSync(p, 'utf8'))
  } catch {
    return null
  }
}

/**
 * @returns {{ ok: true, version, launcher: string, native: string|null, dir } | { ok: false, reason }}
 */
export function ensureCcusage(dir, { version = CCUSAGE_VERSION, log = console.log } = {}) {
  const pkgDir = path.join(dir, 'node_modules', 'ccusage')
  let pkg = readJson(path.join(pkgDir, 'package.json'))
  if (!pkg || pkg.version !== version) {
    fs.mkdirSync(dir, { recursive: true })
    log(`  installing ccusage@${version} into ${dir} ...`)
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
    const r = spawnSync(
      npm,
      ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', `ccusage@${version}`],
      {
        cwd: dir,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    pkg = readJson(path.join(pkgDir, 'package.json'))
    if (r.status !== 0 || !pkg || pkg.version !== version) {
      return {
        ok: false,
        reason: `npm install ccusage@${version} failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`,
      }
    }
  }
  const binRel = typeof pkg.bin === 'string' ? pkg.bin : pkg.bin?.ccusage
  const launcher = path.join(pkgDir, binRel || 'src/cli.js')
  const nativePkg = `@ccusage/ccusage-${process.platform}-${process.arch}`
  let native = path.join(dir, 'node_modules', nativePkg, 'bin', process.platform === 'win32' ? 'ccusage.exe' : 'ccusage')
  if (fs.existsSync(native)) {
    // The launcher does the same chmod on first use (the tarball ships it without +x).
    const mode = fs.statSync(native).mode
    if ((mode & 0o111) === 0) fs.chmodSync(native, 0o755)
  } else {
    native = null
  }
  return { ok: true, version: pkg.version, launcher, native, nativePkg, dir }
}

/** ccusage's daily JSON totals in Token Watch's bucket names. */
export function ccusageTotals(stdout) {
  const j = JSON.parse(stdout)
  const t = j.totals || {}
  return {
    input: t.inputTokens,
    output: t.outputTokens,
    cacheRead: t.cacheReadTokens,
    cacheWrite: t.cacheCreationTokens,
    costUsd: t.totalCost,
    days: Array.isArray(j.daily) ? j.daily.length : null,
  }
}
