#!/usr/bin/env node
// Regenerates resources/prices/snapshot.json from a price table that ships in an npm package.
// Usage: node scripts/refresh-prices.mjs [--package SPEC] [--from-dir DIR] [--date YYYY-MM-DD] [--out FILE]
//   --package   npm spec to `npm pack` (default @pydantic/genai-prices, i.e. its latest version)
//   --from-dir  use an already unpacked/installed package folder instead of `npm pack`
//   --date      the day whose prices apply (date-gated prices) and that the header records
// A package that contains LiteLLM's model_prices_and_context_window.json is read as LiteLLM's table;
// @pydantic/genai-prices is read through its own findProvider(). See docs/PRICING.md.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const LITELLM_FILE = 'model_prices_and_context_window.json'
// First-party providers first: on a name clash the earlier provider's entry wins.
const GENAI_PROVIDERS = ['anthropic', 'openai', 'google', 'x-ai', 'mistral', 'deepseek', 'moonshotai', 'zai', 'zhipuai', 'minimax']
const LITELLM_PROVIDERS = {
  anthropic: 'anthropic',
  openai: 'openai',
  gemini: 'google',
  xai: 'x-ai',
  mistral: 'mistral',
  deepseek: 'deepseek',
}
const BUCKETS = ['input', 'output', 'cacheRead', 'cacheWrite5m', 'cacheWrite1h']
const GENAI_KEYS = {
  input: 'input_mtok',
  output: 'output_mtok',
  cacheRead: 'cache_read_mtok',
  cacheWrite5m: 'cache_write_mtok',
  cacheWrite1h: 'cache_write_1h_mtok',
}
const LITELLM_KEYS = {
  input: 'input_cost_per_token',
  output: 'output_cost_per_token',
  cacheRead: 'cache_read_input_token_cost',
  cacheWrite5m: 'cache_creation_input_token_cost',
  cacheWrite1h: 'cache_creation_input_token_cost_above_1hr',
}
const RULES = {
  anthropic:
    'Absent in the source: cacheRead = 0.1 x input, cacheWrite5m = 1.25 x input, cacheWrite1h = 2 x input (Anthropic prompt-caching multipliers).',
  other:
    'Absent in the source: cacheRead = input, cacheWrite5m = input (no cache-write surcharge, e.g. OpenAI), cacheWrite1h = cacheWrite5m.',
  tiers: 'A request whose prompt (input + cacheRead + cacheWrite) exceeds aboveTokens is priced entirely at that tier.',
}

const num = (x) => Number(x.toPrecision(12)) // drops float noise such as 0.30000000000000004

function parseArgs(argv) {
  const opts = {
    package: '@pydantic/genai-prices',
    date: new Date().toISOString().slice(0, 10),
    out: join(ROOT, 'resources/prices/snapshot.json'),
  }
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '')
    if (!['package', 'from-dir', 'date', 'out'].includes(key ?? '') || argv[i + 1] === undefined) throw new Error(`bad argument ${argv[i]}`)
    opts[key === 'from-dir' ? 'fromDir' : key] = argv[i + 1]
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.date)) throw new Error(`--date must be YYYY-MM-DD, got ${opts.date}`)
  return opts
}

/** Downloads SPEC with `npm pack` into a temp dir and unpacks it; returns the package folder. */
function packAndExtract(spec, tmp) {
  const npm = spawnSync('npm', ['pack', spec, '--json', '--pack-destination', tmp], {
    encoding: 'utf8',
    shell: process.platform === 'win32',
  })
  if (npm.status !== 0) throw new Error(`npm pack ${spec} failed: ${npm.stderr}`)
  const [{ filename }] = JSON.parse(npm.stdout)
  const tar = spawnSync('tar', ['-xzf', join(tmp, filename), '-C', tmp], { encoding: 'utf8' })
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`)
  return join(tmp, 'package')
}

function findFile(dir, name, depth = 3) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isFile() && e.name === name) return join(dir, e.name)
    if (e.isDirectory() && depth > 0 && e.name !== 'node_modules') {
      const hit = findFile(join(dir, e.name), name, depth - 1)
      if (hit) return hit
    }
  }
  return undefined
}

/** Fills buckets the source leaves out with the documented rules; records which were derived. */
function withFallbacks(provider, r, derived) {
  const anthropic = provider === 'anthropic'
  const fill = (k, v) => {
    if (r[k] === undefined) {
      r[k] = num(v)
      derived.add(k)
    }
  }
  fill('cacheRead', anthropic ? 0.1 * r.input : r.input)
  fill('cacheWrite5m', anthropic ? 1.25 * r.input : r.input)
  fill('cacheWrite1h', anthropic ? 2 * r.input : r.cacheWrite5m)
  return Object.fromEntries(BUCKETS.map((k) => [k, r[k]]))
}

function makeEntry(provider, base, tierList) {
  const derived = new Set()
  const entry = { provider, ...withFallbacks(provider, base, derived) }
  const tiers = tierList.map(({ aboveTokens, rates }) => ({ aboveTokens, ...withFallbacks(provider, rates, derived) }))
  if (tiers.length) entry.tiers = tiers
  if (derived.size) entry.derived = BUCKETS.filter((k) => derived.has(k))
  return entry
}

/** genai-prices: pick the price set in force on `date`; undefined when it varies by time of day. */
function priceOnDate(model, date) {
  if (!Array.isArray(model.prices)) return model.prices
  if (model.prices.some((p) => p.constraint?.type === 'time_of_date')) return undefined
  for (let i = model.prices.length - 1; i >= 0; i--) {
    const c = model.prices[i].constraint
    if (!c || (c.type === 'start_date' && date >= c.start_date)) return model.prices[i].prices
  }
  return model.prices[0].prices
}

/** Exact names a genai-prices match rule spells out; `and` rules and regexes name nothing exactly. */
function exactNames(match) {
  if ('or' in match) return match.or.flatMap(exactNames)
  for (const k of ['equals', 'starts_with', 'contains', 'ends_with']) if (k in match) return [match[k]]
  return []
}

async function fromGenaiPrices(dir, date, add, exclude) {
  const { findProvider } = await import(pathToFileURL(join(dir, 'dist/index.js')).href)
  for (const providerId of GENAI_PROVIDERS) {
    for (const model of findProvider({ providerId })?.models ?? []) {
      const prices = priceOnDate(model, date)
      if (!prices) {
        exclude(model.id, 'price varies by time of day')
        continue
      }
      if (prices.input_mtok === undefined || prices.output_mtok === undefined) continue // not a text model
      const starts = new Set()
      for (const key of Object.values(GENAI_KEYS)) for (const t of prices[key]?.tiers ?? []) starts.add(t.start)
      const at = (key, above) => {
        const p = prices[key]
        if (typeof p !== 'object') return p
        return p.tiers.filter((t) => t.start <= above).reduce((v, t) => t.price, p.base)
      }
      const rates = (above) => Object.fromEntries(BUCKETS.map((b) => [b, at(GENAI_KEYS[b], above)]))
      const tiers = [...starts].sort((a, b) => a - b).map((s) => ({ aboveTokens: s, rates: rates(s) }))
      add(model.id, makeEntry(providerId, rates(-1), tiers), exactNames(model.match))
    }
  }
}

function fromLiteLLM(file, add) {
  const table = JSON.parse(readFileSync(file, 'utf8'))
  for (const [key, m] of Object.entries(table)) {
    const provider = LITELLM_PROVIDERS[m.litellm_provider]
    if (!provider || !['chat', 'responses'].includes(m.mode) || m[LITELLM_KEYS.input] === undefined) continue
    const perM = (field) => (m[field] === undefined ? undefined : num(m[field] * 1e6))
    const base = Object.fromEntries(BUCKETS.map((b) => [b, perM(LITELLM_KEYS[b])]))
    const starts = new Set(
      Object.keys(m)
        .flatMap((f) => /_above_(\d+)k_tokens$/.exec(f)?.[1] ?? [])
        .map((k) => Number(k) * 1000),
    )
    const tiers = [...starts]
      .sort((a, b) => a - b)
      .map((s) => ({
        aboveTokens: s,
        rates: Object.fromEntries(BUCKETS.map((b) => [b, perM(`${LITELLM_KEYS[b]}_above_${s / 1000}k_tokens`) ?? base[b]])),
      }))
    const aliases = Array.isArray(m.aliases) ? m.aliases.filter((a) => typeof a === 'string') : []
    add(key.replace(/^[a-z_]+\//, ''), makeEntry(provider, base, tiers), aliases)
  }
}

function serialize(snapshot) {
  const block = (obj) =>
    Object.keys(obj)
      .sort()
      .map((k) => `    ${JSON.stringify(k)}: ${JSON.stringify(obj[k])}`)
      .join(',\n')
  const head = JSON.stringify(
    { schema: snapshot.schema, source: snapshot.source, units: snapshot.units, rules: snapshot.rules },
    null,
    2,
  ).slice(0, -2)
  return `${head},\n  "excluded": {\n${block(snapshot.excluded)}\n  },\n  "models": {\n${block(snapshot.models)}\n  },\n  "aliases": {\n${block(snapshot.aliases)}\n  }\n}\n`
}

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  const tmp = mkdtempSync(join(tmpdir(), 'tokenwatch-prices-'))
  try {
    const dir = opts.fromDir ? resolve(opts.fromDir) : packAndExtract(opts.package, tmp)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    const models = {},
      aliasClaims = new Map(),
      excluded = {}
    const add = (name, entry, aliases) => {
      const id = name.toLowerCase()
      // An earlier (first-party) provider already names it, as a model or as an alias.
      if (models[id] || aliasClaims.get(id)?.some((c) => models[c].provider !== entry.provider)) return
      models[id] = entry
      for (const a of aliases.map((x) => x.toLowerCase()).filter((x) => x !== id && !x.includes('/') && /[a-z0-9]$/.test(x))) {
        aliasClaims.set(a, [...(aliasClaims.get(a) ?? []), id])
      }
    }
    const litellm = findFile(dir, LITELLM_FILE)
    const format = litellm ? 'litellm' : 'genai-prices'
    if (litellm) fromLiteLLM(litellm, add)
    else if (existsSync(join(dir, 'dist/index.js')))
      await fromGenaiPrices(dir, opts.date, add, (id, why) => {
        excluded[id] = why
      })
    else throw new Error(`${pkg.name} holds neither ${LITELLM_FILE} nor genai-prices' dist/index.js`)
    const aliases = {}
    for (const [alias, targets] of aliasClaims) {
      const unique = [...new Set(targets)]
      if (models[alias]) continue // a model's own name always wins over another model's alias
      if (unique.length === 1) aliases[alias] = unique[0]
      else excluded[alias] = `ambiguous alias of ${unique.join(', ')}`
    }
    const snapshot = {
      schema: 1,
      source: {
        package: pkg.name,
        version: pkg.version,
        format,
        pricesAsOf: opts.date,
        generated: opts.date,
        script: 'scripts/refresh-prices.mjs',
      },
      units: 'USD per million tokens',
      rules: RULES,
      excluded,
      models,
      aliases,
    }
    writeFileSync(opts.out, serialize(snapshot))
    const kb = Math.round(readFileSync(opts.out).length / 1024)
    console.log(
      `wrote ${opts.out}: ${Object.keys(models).length} models, ${Object.keys(aliases).length} aliases, ${kb} KB from ${pkg.name}@${pkg.version}`,
    )
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err)
  process.exit(1)
})
