// 1. Build the native log scanner (native/scan, C via node-gyp; see native/scan/README.md).
// 2. Fetch the Electron binary where the network allows it.
// Never fail `npm install` because of either, and never print a stack trace: one friendly line
// says what it means (the scan then runs its JS path; `tokenwatch scan --json` says which ran).
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const require = createRequire(import.meta.url)
const root = join(dirname(fileURLToPath(import.meta.url)), '..')

function buildNativeScan() {
  if (process.env.TOKENWATCH_NATIVE_SCAN === '0') return
  // npm hands its own node-gyp to install scripts as npm_config_node_gyp; else the one beside npm.
  const npmCli = process.env.npm_execpath
  const gyp = [
    process.env.npm_config_node_gyp,
    npmCli && join(dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
  ].find((p) => p && existsSync(p))
  const cwd = join(root, 'native', 'scan')
  const why = (r) => {
    const text = `${r.stderr ?? ''}${r.stdout ?? ''}`
    if (r.error?.code === 'ETIMEDOUT') return 'timed out'
    if (/not found: (make|python|cc|gcc|g\+\+)|Could not find any Python|No such file.*(cc|gcc)|command not found/i.test(text))
      return 'no C compiler, make or Python'
    return /error[^\n]*/i.exec(text)?.[0]?.slice(0, 120) ?? 'failed'
  }
  if (!gyp) {
    console.warn('token-watch: the native log scanner was not built (node-gyp not found); scans use the JS path, as fast as before.')
    return
  }
  // Node's own headers when it ships them (Debian's /usr/include/node): no header download.
  const args = [gyp, 'rebuild']
  const prefix = join(dirname(process.execPath), '..')
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`)
  const r = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0 || !existsSync(join(cwd, 'build', 'Release', 'tw_scan.node'))) {
    console.warn(`token-watch: the native log scanner was not built (${why(r)}); scans use the JS path. \`npm install\` again retries.`)
  }
}

buildNativeScan()
let installer
try {
  installer = require.resolve('electron/install.js')
} catch {
  process.exit(0)
}
if (!existsSync(installer)) process.exit(0)
// Output captured, not inherited: on success it is silent, on failure it is summed up below.
const r = spawnSync(process.execPath, [installer], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: 120_000 })
if (r.status !== 0) {
  const text = `${r.stderr ?? ''}${r.stdout ?? ''}`
  // The error code (ENOTFOUND, ECONNRESET, …) or the HTTP status says enough.
  const why = /\b(E[A-Z]{3,})\b/.exec(text)?.[1] ?? /HTTPError: ([^\n]+)/.exec(text)?.[1]
  const reason = r.error?.code === 'ETIMEDOUT' ? 'timed out' : (why ?? 'failed')
  console.warn(
    `token-watch: the Electron binary could not be downloaded (${reason}); \`npm start\` will serve the headless dashboard instead, and \`npm install\` again retries.`,
  )
}
process.exit(0)
