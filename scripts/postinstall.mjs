// Fetch the Electron binary where the network allows it; never fail `npm install` because of it,
// and never print the installer's stack trace: one friendly line says what it means.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
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
