// Bundles the `tokenwatch` CLI for plain Node: one file (tokenwatch-main.js), better-sqlite3 loaded
// from node_modules, plus the backfill's parse worker (parse-worker.js beside it, found through
// __dirname); tokenwatch.js is scripts/cli-launcher.cjs, which runs the bundle with a V8 code cache.
import { copyFileSync, rmSync } from 'node:fs'
import { build } from 'esbuild'

await build({
  entryPoints: { 'tokenwatch-main': 'src/cli/index.ts', 'parse-worker': 'src/engine/ingest/parse-worker.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['better-sqlite3', 'electron'],
  logLevel: 'warning',
})
copyFileSync('scripts/cli-launcher.cjs', 'out/cli/tokenwatch.js')
// A new bundle: the old one's code cache is stale (the launcher would also see it by size and mtime).
rmSync('out/cli/tokenwatch-main.js.v8cache', { force: true })
