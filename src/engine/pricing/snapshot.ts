/** The bundled price snapshot: its shape, a validating parser, and where to find the file. */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BucketRates } from './types'

/** Where a snapshot came from, as written by scripts/refresh-prices.mjs. */
export interface SnapshotSource {
  /** npm package the table was read from, e.g. `@pydantic/genai-prices`. */
  package: string
  version: string
  /** `genai-prices` or `litellm`: which reader produced the snapshot. */
  format: string
  /** Day (YYYY-MM-DD) whose prices were taken where the source dates its prices. */
  pricesAsOf: string
  /** Day (YYYY-MM-DD) the snapshot was generated. */
  generated: string
}

/** One model's entry, USD per million tokens. */
export interface SnapshotModel extends BucketRates {
  provider: string
  /** Long-context tiers, ascending by `aboveTokens`. */
  tiers?: (BucketRates & { aboveTokens: number })[]
  /** Buckets the source lacked, filled by the documented rules in `Snapshot.rules`. */
  derived?: string[]
}

/** The whole snapshot file. Names and aliases are lower-case. */
export interface Snapshot {
  schema: 1
  source: SnapshotSource
  units: string
  rules: Record<string, string>
  /** Names left out on purpose, with the reason (e.g. prices that vary by time of day). */
  excluded: Record<string, string>
  models: Record<string, SnapshotModel>
  /** Alternative exact name -> key of `models`. */
  aliases: Record<string, string>
}

const SNAPSHOT_RELATIVE = join('resources', 'prices', 'snapshot.json')
const BUCKET_KEYS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h'] as const

type Obj = Record<string, unknown>

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function fail(path: string, what: string): never {
  throw new Error(`invalid price snapshot: ${path} ${what}`)
}

function str(o: Obj, key: string, path: string): string {
  const v = o[key]
  return typeof v === 'string' ? v : fail(`${path}.${key}`, 'must be a string')
}

function strMap(v: unknown, path: string): Record<string, string> {
  if (!isObj(v)) fail(path, 'must be an object')
  for (const k of Object.keys(v)) str(v, k, path)
  return v as Record<string, string>
}

function rates(v: unknown, path: string): BucketRates {
  if (!isObj(v)) fail(path, 'must be an object')
  for (const k of BUCKET_KEYS) {
    const n = v[k]
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(`${path}.${k}`, 'must be a finite number >= 0')
  }
  return {
    input: v.input,
    output: v.output,
    cacheRead: v.cacheRead,
    cacheWrite5m: v.cacheWrite5m,
    cacheWrite1h: v.cacheWrite1h,
  } as BucketRates
}

function model(v: unknown, path: string): SnapshotModel {
  if (!isObj(v)) fail(path, 'must be an object')
  const out: SnapshotModel = { provider: str(v, 'provider', path), ...rates(v, path) }
  if (v.tiers !== undefined) {
    if (!Array.isArray(v.tiers)) fail(`${path}.tiers`, 'must be an array')
    out.tiers = v.tiers.map((t: unknown, i) => {
      const p = `${path}.tiers[${i}]`
      const above = isObj(t) ? t.aboveTokens : undefined
      if (typeof above !== 'number' || !Number.isInteger(above) || above < 0) fail(`${p}.aboveTokens`, 'must be an integer >= 0')
      return { aboveTokens: above, ...rates(t, p) }
    })
  }
  if (v.derived !== undefined) {
    if (!Array.isArray(v.derived) || !v.derived.every((d) => typeof d === 'string')) fail(`${path}.derived`, 'must be strings')
    out.derived = v.derived as string[]
  }
  return out
}

/** Validates parsed JSON as a snapshot; throws on a malformed file (a packaging bug, not user input). */
export function parseSnapshot(value: unknown): Snapshot {
  if (!isObj(value)) fail('root', 'must be an object')
  if (value.schema !== 1) fail('schema', 'must be 1')
  const source = isObj(value.source) ? value.source : fail('source', 'must be an object')
  const models = isObj(value.models) ? value.models : fail('models', 'must be an object')
  const aliases = strMap(value.aliases, 'aliases')
  for (const [alias, target] of Object.entries(aliases)) {
    if (!(target in models)) fail(`aliases.${alias}`, `points to unknown model ${target}`)
  }
  return {
    schema: 1,
    source: {
      package: str(source, 'package', 'source'),
      version: str(source, 'version', 'source'),
      format: str(source, 'format', 'source'),
      pricesAsOf: str(source, 'pricesAsOf', 'source'),
      generated: str(source, 'generated', 'source'),
    },
    units: str(value, 'units', 'root'),
    rules: strMap(value.rules, 'rules'),
    excluded: strMap(value.excluded, 'excluded'),
    models: Object.fromEntries(Object.entries(models).map(([k, m]) => [k, model(m, `models.${k}`)])),
    aliases,
  }
}

/** Reads and validates a snapshot file. */
export function readSnapshot(path: string): Snapshot {
  return parseSnapshot(JSON.parse(readFileSync(path, 'utf8')))
}

function moduleDir(): string | undefined {
  // CJS bundles (out/cli, out/main) have __dirname; under ESM (vitest on src) import.meta.url works.
  if (typeof __dirname === 'string') return __dirname
  try {
    return dirname(fileURLToPath(import.meta.url))
  } catch {
    return undefined
  }
}

/** Places the bundled snapshot may be, nearest first: from src/engine/pricing, out/*, a packaged app, the cwd. */
export function snapshotPathCandidates(dir: string | undefined = moduleDir()): string[] {
  // Electron sets process.resourcesPath in a packaged app; plain Node leaves it undefined.
  const resourcesPath = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath
  const out: string[] = []
  if (dir) for (const up of ['..', '../..', '../../..']) out.push(join(dir, up, SNAPSHOT_RELATIVE))
  if (resourcesPath) out.push(join(resourcesPath, 'prices', 'snapshot.json'), join(resourcesPath, SNAPSHOT_RELATIVE))
  out.push(join(process.cwd(), SNAPSHOT_RELATIVE))
  return out
}

/** The first existing candidate path of the bundled snapshot; throws listing every place tried. */
export function defaultSnapshotPath(candidates: string[] = snapshotPathCandidates()): string {
  const found = candidates.find((p) => existsSync(p))
  if (!found) throw new Error(`bundled price snapshot not found; tried:\n  ${candidates.join('\n  ')}`)
  return found
}
