// A bench entry (a TypeScript file under src/ or bench/entries) bundled and run as its own
// process: the socket and OTLP suites measure a bare receiver this way, outside the bench's own process.

import { spawn } from 'node:child_process'
import { createRequire } from 'node:module'
import path from 'node:path'

/**
 * Bundles `entry` (repo-relative) into `outDir/name`, as CommonJS, so NODE_PATH can point
 * require('better-sqlite3') at the repo's native build wherever .bench is.
 */
export async function bundleEntry(repoRoot, entry, outDir, name) {
  const esbuild = createRequire(path.join(repoRoot, 'package.json'))('esbuild')
  const outfile = path.join(outDir, name)
  await esbuild.build({
    entryPoints: [path.join(repoRoot, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    outfile,
    logLevel: 'warning',
  })
  return outfile
}

/** Runs the bundle on data dir `home`; resolves with the child and the JSON of its first stdout line (ready). */
export function startEntry(bundle, home, repoRoot, what) {
  return new Promise((resolve, reject) => {
    const env = { ...process.env, TZ: 'UTC', NODE_PATH: path.join(repoRoot, 'node_modules') }
    const child = spawn(process.execPath, [bundle, home], { stdio: ['ignore', 'pipe', 'inherit'], env })
    let buf = ''
    child.once('error', reject)
    child.once('exit', (code) => reject(new Error(`${what} exited early (code ${code})`)))
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (t) => {
      buf += t
      const nl = buf.indexOf('\n')
      if (nl >= 0) {
        child.removeAllListeners('exit')
        resolve({ child, ready: JSON.parse(buf.slice(0, nl)) })
      }
    })
  })
}

/** SIGTERM (the entry flushes and closes), resolved once it exited. */
export function stopEntry(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill('SIGTERM')
  })
}
