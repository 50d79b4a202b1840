#!/usr/bin/env node
// The `tokenwatch` command: runs the built CLI (npm run build creates out/cli/tokenwatch.js).
const { existsSync } = require('node:fs')
const { join } = require('node:path')

const built = join(__dirname, '..', 'out', 'cli', 'tokenwatch.js')
if (!existsSync(built)) {
  console.error('tokenwatch: not built yet. Run `npm run build` (or `npm run build:cli`) in the repo first.')
  process.exit(1)
}
require(built)
