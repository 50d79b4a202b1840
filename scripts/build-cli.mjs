// Bundles the `tokenwatch` CLI for plain Node: one file, better-sqlite3 loaded from node_modules.
import { build } from 'esbuild'

await build({
  entryPoints: ['src/cli/index.ts'],
  outfile: 'out/cli/tokenwatch.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  external: ['better-sqlite3', 'electron'],
  logLevel: 'warning',
})
