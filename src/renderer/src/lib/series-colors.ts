/**
 * Series colours that stay put (docs/DASHBOARD.md, "Colours"): a name keeps the colour it was
 * first given while other series come and go, and no two series shown together share one. The
 * book of given colours is kept in localStorage, so a reload keeps them too.
 */

/** Distinct, colour-blind-friendly hues that read on light and dark backgrounds. */
export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#8c8c8c']

/** Palette index given to each `dimension` + name. */
export type ColorBook = Record<string, number>

const STORAGE_KEY = 'tokenwatch.seriesColors'

/** The part of `Storage` the book needs (this module is also type-checked without the DOM). */
export interface KeyValueStore {
  getItem(key: string): string | null
  setItem(key: string, value: string): void
}

const entry = (dim: string, name: string): string => `${dim}\u0000${name}`

/**
 * Colours for `names` (the series shown together, most important first) of dimension `dim`.
 * A name keeps its colour from `book` unless a more important series shown with it holds the
 * same one; a new name takes `preferred(name)` (its place among all values) when that is free,
 * else the free colour given to the fewest names so far. Returns the colours and the new book.
 * With at most PALETTE.length names shown, every one gets its own colour.
 */
export function assignColors(
  book: Readonly<ColorBook>,
  dim: string,
  names: readonly string[],
  preferred: (name: string) => number | undefined = () => undefined,
): { colors: Map<string, string>; book: ColorBook } {
  const next: ColorBook = { ...book }
  const taken = new Set<number>()
  const chosen = new Map<string, number>()
  // Names that already have a colour keep it, the most important first.
  for (const name of names) {
    const had = next[entry(dim, name)]
    if (had !== undefined && !taken.has(had)) {
      chosen.set(name, had)
      taken.add(had)
    }
  }
  const uses = (i: number): number => Object.entries(next).filter(([k, v]) => v === i && k.startsWith(`${dim}\u0000`)).length
  for (const name of names) {
    if (chosen.has(name)) continue
    const free = PALETTE.map((_, i) => i).filter((i) => !taken.has(i))
    const want = preferred(name)
    const pick =
      want !== undefined && free.includes(want % PALETTE.length) && uses(want % PALETTE.length) === 0
        ? want % PALETTE.length
        : free.sort((a, b) => uses(a) - uses(b) || a - b)[0]
    if (pick === undefined) continue // more series than colours: the caller folds them into Other first
    chosen.set(name, pick)
    taken.add(pick)
    next[entry(dim, name)] = pick
  }
  return { colors: new Map([...chosen].map(([n, i]) => [n, PALETTE[i] ?? PALETTE[0] ?? '#888'])), book: next }
}

/** The book kept in this browser (empty when storage is unavailable or holds something else). */
export function loadColorBook(storage: KeyValueStore | undefined): ColorBook {
  try {
    const v: unknown = JSON.parse(storage?.getItem(STORAGE_KEY) ?? '{}')
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return {}
    return Object.fromEntries(
      Object.entries(v).filter((e): e is [string, number] => Number.isInteger(e[1]) && e[1] >= 0 && e[1] < PALETTE.length),
    )
  } catch {
    return {}
  }
}

/** Saves the book (storage may be full or disabled: colours then last for this page only). */
export function saveColorBook(book: ColorBook, storage: KeyValueStore | undefined): void {
  try {
    storage?.setItem(STORAGE_KEY, JSON.stringify(book))
  } catch {
    // Nothing to do: the in-memory book still keeps colours stable on this page.
  }
}
