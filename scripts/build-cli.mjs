// Bundles the `tokenwatch` CLI for plain Node: one file, better-sqlite3 loaded from node_modules,
// plus the backfill's parse worker (parse-worker.js beside it, found through __dirname).
import { build } from 'esbuild'

await build({
  entryPoints: { tokenwatch: 'src/cli/index.ts', 'parse-worker': 'src/engine/ingest/parse-worker.ts' },
  outdir: 'out/cli',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['better-sqlite3', 'electron'],
  logLevel: 'warning',
})
