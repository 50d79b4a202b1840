import { join, resolve } from 'node:path'
import { mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { buildSync } from 'esbuild'

const REPO = resolve(__dirname, '..', '..')
let built: string | undefined

/**
 * The parse worker bundled as the build bundles it (tests run from sources, where no
 * parse-worker.js sits beside parse-pool.ts): built once per test process.
 */
export function parseWorkerScript(): string {
  if (built) return built
  const dir = join(tmpdir(), `tw-parse-worker-${process.pid}`)
  mkdirSync(dir, { recursive: true })
  const out = join(dir, 'parse-worker.js')
  buildSync({
    entryPoints: [join(REPO, 'src', 'engine', 'ingest', 'parse-worker.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: out,
    logLevel: 'silent',
  })
  built = out
  return out
}
