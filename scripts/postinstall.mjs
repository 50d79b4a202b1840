// Fetch the Electron binary where the network allows it; never fail `npm install` because of it.
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
const r = spawnSync(process.execPath, [installer], { stdio: 'inherit', timeout: 120_000 })
if (r.status !== 0) {
  console.warn('token-watch: the Electron binary could not be downloaded; `npm start` will serve the headless dashboard instead.')
}
process.exit(0)
