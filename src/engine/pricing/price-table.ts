/** Builds the PriceTable from the bundled snapshot plus the user's overrides. */
import { createHash } from 'node:crypto'
import type { PriceOverride } from '../../shared/contract'
import { DATE_SUFFIX, nameCandidates, normalizeModelName } from './model-name'
import { defaultSnapshotPath, parseSnapshot, readSnapshot } from './snapshot'
import type { Snapshot, SnapshotModel, SnapshotSource } from './snapshot'
import type { BucketRates, ModelRates, PriceTable } from './types'

/** How to build a price table; every field is optional. */
export interface PriceTableOptions {
  /** A snapshot already in memory (tests); otherwise read from `snapshotPath` or the bundled file. */
  snapshot?: Snapshot
  snapshotPath?: string
  /** User prices, USD per million tokens; they win over the snapshot. Later entries win over earlier. */
  overrides?: readonly PriceOverride[]
}

/** A PriceTable that also tells where its prices came from and which overrides it refused. */
export interface LoadedPriceTable extends PriceTable {
  readonly source: SnapshotSource
  /** Overrides skipped because a model name was empty or a price was negative or not finite. */
  readonly rejectedOverrides: readonly PriceOverride[]
}

const round12 = (x: number): number => Number(x.toPrecision(12))

function validOverride(o: PriceOverride): boolean {
  const prices = [o.input, o.output, o.cacheRead, o.cacheWrite, o.cacheWrite1h].filter((p) => p !== undefined)
  return o.model.trim() !== '' && prices.every((p) => typeof p === 'number' && Number.isFinite(p) && p >= 0)
}

/**
 * An override's rates. Buckets it leaves out follow the snapshot's rules: Anthropic models get
 * cache read 0.1x, 5-minute write 1.25x and 1-hour write 2x input; others pay the input rate.
 * Overrides are flat: they carry no long-context tiers.
 */
function overrideRates(o: PriceOverride, anthropic: boolean): BucketRates {
  const cacheWrite5m = o.cacheWrite ?? round12(anthropic ? 1.25 * o.input : o.input)
  return {
    input: o.input,
    output: o.output,
    cacheRead: o.cacheRead ?? round12(anthropic ? 0.1 * o.input : o.input),
    cacheWrite5m,
    cacheWrite1h: o.cacheWrite1h ?? round12(anthropic ? 2 * o.input : cacheWrite5m),
  }
}

/** Resolved rates are cached and shared between callers, so they are frozen. */
function freeze(r: ModelRates): ModelRates {
  r.tiers.forEach((t) => Object.freeze(t))
  Object.freeze(r.tiers)
  return Object.freeze(r)
}

function fromSnapshot(matched: string, m: SnapshotModel): ModelRates {
  const tiers = [...(m.tiers ?? [])].sort((a, b) => a.aboveTokens - b.aboveTokens)
  return freeze({
    input: m.input,
    output: m.output,
    cacheRead: m.cacheRead,
    cacheWrite5m: m.cacheWrite5m,
    cacheWrite1h: m.cacheWrite1h,
    matched,
    origin: 'snapshot',
    tiers: tiers.map((t) => ({ ...t })),
  })
}

/** Undated name -> the dated entries that carry it (`claude-x` -> [`claude-x-20250101`]). */
function datedIndex(snapshot: Snapshot): Map<string, string[]> {
  const index = new Map<string, string[]>()
  for (const name of [...Object.keys(snapshot.models), ...Object.keys(snapshot.aliases)]) {
    const undated = name.replace(DATE_SUFFIX, '')
    if (undated !== name) index.set(undated, [...(index.get(undated) ?? []), name])
  }
  return index
}

function hashVersion(snapshot: Snapshot, overrides: readonly PriceOverride[]): string {
  const digest = createHash('sha256').update(JSON.stringify(snapshot)).update('\0').update(JSON.stringify(overrides))
  const { package: pkg, version, pricesAsOf } = snapshot.source
  return `${pkg}@${version}/${pricesAsOf}/${digest.digest('hex').slice(0, 16)}`
}

/**
 * Loads the price table. Lookup order for a model string: overrides (exact lower-cased name,
 * then the normalized name), then the snapshot by each of `nameCandidates` as a model or alias,
 * then, for an undated name only, the one dated entry that carries it. No substring matching.
 */
export function loadPriceTable(opts: PriceTableOptions = {}): LoadedPriceTable {
  const snapshot = opts.snapshot ? parseSnapshot(opts.snapshot) : readSnapshot(opts.snapshotPath ?? defaultSnapshotPath())
  const dated = datedIndex(snapshot)
  // Maps, not object lookups: a model string like `constructor` must not hit Object.prototype.
  const models = new Map(Object.entries(snapshot.models))
  const aliases = new Map(Object.entries(snapshot.aliases))

  const lookupSnapshot = (model: string): { name: string; entry: SnapshotModel } | undefined => {
    const { names, base, dated: queryDated } = nameCandidates(model)
    const candidates = [...names]
    const expansions = queryDated ? [] : (dated.get(base) ?? [])
    if (expansions.length === 1 && expansions[0]) candidates.push(expansions[0])
    for (const name of candidates) {
      const target = models.has(name) ? name : aliases.get(name)
      const entry = target === undefined ? undefined : models.get(target)
      if (target !== undefined && entry) return { name: target, entry }
    }
    return undefined
  }

  const overrides = new Map<string, ModelRates>()
  const accepted: PriceOverride[] = []
  const rejected: PriceOverride[] = []
  for (const o of opts.overrides ?? []) {
    if (!validOverride(o)) {
      rejected.push(o)
      continue
    }
    accepted.push(o)
    const base = normalizeModelName(o.model)
    const provider = lookupSnapshot(o.model)?.entry.provider ?? (base.startsWith('claude') ? 'anthropic' : 'other')
    const rates = freeze({ ...overrideRates(o, provider === 'anthropic'), matched: o.model, origin: 'override', tiers: [] })
    // Indexed under the normalized name; the exact lower-cased name is a separate key so that it wins.
    overrides.set(`=${o.model.trim().toLowerCase()}`, rates)
    overrides.set(base, rates)
  }

  const cache = new Map<string, ModelRates | undefined>()
  const resolve = (model: string): ModelRates | undefined => {
    if (cache.has(model)) return cache.get(model)
    let result: ModelRates | undefined
    if (model.trim() !== '') {
      result = overrides.get(`=${model.trim().toLowerCase()}`) ?? overrides.get(normalizeModelName(model))
      if (!result) {
        const hit = lookupSnapshot(model)
        result = hit && fromSnapshot(hit.name, hit.entry)
      }
    }
    cache.set(model, result)
    return result
  }

  return {
    resolve,
    version: hashVersion(snapshot, accepted),
    source: snapshot.source,
    rejectedOverrides: rejected,
  }
}
