// `npm start`: the desktop app where Electron can run here; otherwise one line saying why, then
// the headless dashboard (`tokenwatch serve`), so the README's run command always does something.
//
//   npm start                 build, then Electron (or the headless dashboard)
//   npm start -- --no-build   skip the build (out/ is current)
//   npm start -- --port 8080  other arguments go to `tokenwatch serve` when headless
//   TOKENWATCH_HEADLESS=1     always serve the headless dashboard
import { spawn, spawnSync } from 'node:child_process'
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { constants } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/**
 * Finds the Electron binary the way `require('electron')` does, but without its side effect:
 * since Electron 42, requiring the package downloads the binary when it is missing, which on an
 * offline machine stalls instead of answering.
 * @returns {{ installed: boolean, version?: string, binary?: string, binaryExists: boolean }}
 */
export function probeElectron(root = ROOT, env = process.env) {
  let dir
  try {
    dir = dirname(createRequire(join(root, 'package.json')).resolve('electron/package.json'))
  } catch {
    return { installed: false, binaryExists: false }
  }
  const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version
  let rel
  try {
    rel = readFileSync(join(dir, 'path.txt'), 'utf8').trim()
  } catch {
    rel = undefined
  }
  const binary = env.ELECTRON_OVERRIDE_DIST_PATH
    ? join(env.ELECTRON_OVERRIDE_DIST_PATH, rel || 'electron')
    : rel
      ? join(dir, 'dist', rel)
      : undefined
  return { installed: true, version, binary, binaryExists: binary !== undefined && existsSync(binary) }
}

/**
 * Decides how to start. Pure: every input is an argument.
 * @param {{ platform: string, env: Record<string, string | undefined>, uid: number | undefined,
 *           electron: { installed: boolean, binary?: string, binaryExists: boolean } }} input
 * @returns {{ mode: 'electron', binary: string } | { mode: 'headless', reason: string }}
 */
export function decideLaunch({ platform, env, uid, electron }) {
  const headless = (reason) => ({ mode: 'headless', reason })
  if (env.TOKENWATCH_HEADLESS === '1') return headless('TOKENWATCH_HEADLESS=1 is set')
  if (!electron.installed) return headless('the electron package is not installed')
  if (!electron.binaryExists || !electron.binary) return headless('Electron binary not downloaded (no internet at install?)')
  const x11Like = platform !== 'darwin' && platform !== 'win32'
  if (x11Like && !env.DISPLAY && !env.WAYLAND_DISPLAY) return headless('no display (DISPLAY and WAYLAND_DISPLAY are unset)')
  if (x11Like && uid === 0) return headless("running as root, where Electron's renderer sandbox refuses to start")
  return { mode: 'electron', binary: electron.binary }
}

/** The one line printed before falling back. */
export function headlessLine(reason) {
  return `token-watch: ${reason} — serving the headless dashboard instead`
}

/** Splits start.mjs's own flags from the ones passed on. */
export function parseArgs(argv) {
  return { build: !argv.includes('--no-build'), rest: argv.filter((a) => a !== '--no-build') }
}

/**
 * Builds better-sqlite3 for Electron's ABI into `.electron-native/` (a copy, so the Node build
 * that tests and the CLI use stays intact) and returns the `.node` path. Cached per Electron and
 * better-sqlite3 version. Needs the network (Electron headers or a prebuilt binary).
 */
export async function ensureElectronNative(root, electronVersion) {
  const req = createRequire(join(root, 'package.json'))
  const source = dirname(req.resolve('better-sqlite3/package.json'))
  const sqliteVersion = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')).version
  const dir = join(root, '.electron-native', `electron-${electronVersion}-${process.platform}-${process.arch}`)
  const binary = join(dir, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node')
  const stampFile = join(dir, 'stamp.json')
  const stamp = JSON.stringify({ electron: electronVersion, betterSqlite3: sqliteVersion })
  if (existsSync(binary) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return binary
  rmSync(dir, { recursive: true, force: true })
  const ownBuild = join(source, 'build')
  cpSync(source, join(dir, 'node_modules', 'better-sqlite3'), {
    recursive: true,
    filter: (p) => p !== ownBuild && !p.startsWith(ownBuild + sep),
  })
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'tokenwatch-electron-native', private: true, dependencies: { 'better-sqlite3': sqliteVersion } }),
  )
  // @electron/rebuild comes with electron-builder; it is ESM-only.
  const { rebuild } = await import(pathToFileURL(req.resolve('@electron/rebuild')).href)
  await rebuild({ buildPath: dir, electronVersion, onlyModules: ['better-sqlite3'], force: true })
  if (!existsSync(binary)) throw new Error(`the rebuild left no ${binary}`)
  writeFileSync(stampFile, stamp)
  return binary
}

function npmBuild() {
  // Under `npm start`, npm_execpath is npm's own CLI script: run it with this Node.
  const npmCli = process.env.npm_execpath
  const r = npmCli
    ? spawnSync(process.execPath, [npmCli, 'run', 'build'], { cwd: ROOT, stdio: 'inherit' })
    : spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' })
  return r.status ?? 1
}

/** Runs `command`, passing termination signals on, and exits with its status. */
function runForwarding(command, args, env) {
  const child = spawn(command, args, { cwd: ROOT, stdio: 'inherit', env })
  // Ctrl+C in a terminal reaches the child through the process group already; forward SIGINT
  // only when there is no terminal, so the child never sees it twice.
  const signals = process.stdin.isTTY ? ['SIGTERM', 'SIGHUP'] : ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const s of signals) process.on(s, () => child.kill(s))
  if (process.stdin.isTTY) process.on('SIGINT', () => {})
  return new Promise((resolveRun, rejectRun) => {
    child.once('error', rejectRun)
    child.once('exit', (code, signal) => resolveRun(code ?? 128 + (constants.signals[signal] ?? 1)))
  })
}

function serveHeadless(reason, rest) {
  console.error(headlessLine(reason))
  return runForwarding(process.execPath, [join(ROOT, 'bin', 'tokenwatch.js'), 'serve', ...rest], process.env)
}

async function main() {
  const { build, rest } = parseArgs(process.argv.slice(2))
  const electron = probeElectron()
  const decision = decideLaunch({ platform: process.platform, env: process.env, uid: process.getuid?.(), electron })
  if (build) {
    const status = npmBuild()
    if (status !== 0) return status
  }
  if (decision.mode === 'headless') return serveHeadless(decision.reason, rest)
  let nativeBinding
  try {
    nativeBinding = await ensureElectronNative(ROOT, electron.version)
  } catch (err) {
    return serveHeadless(
      `could not build better-sqlite3 for Electron ${electron.version} (${String(err.message ?? err).split('\n')[0]})`,
      rest,
    )
  }
  try {
    const env = { ...process.env, TOKENWATCH_NATIVE_BINDING: nativeBinding }
    delete env.ELECTRON_RUN_AS_NODE // would make Electron behave as plain Node
    return await runForwarding(decision.binary, ['.', ...rest], env)
  } catch (err) {
    return serveHeadless(`could not start Electron (${err.message})`, rest)
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().then(
    (code) => process.exit(code),
    (err) => {
      console.error(`token-watch: ${err.stack ?? err}`)
      process.exit(1)
    },
  )
}
