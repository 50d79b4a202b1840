import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, normalize, relative, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const ENGINE = 'src/engine'

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? tsFiles(join(dir, d.name)) : d.name.endsWith('.ts') ? [join(dir, d.name)] : [],
  )
}

/** Relative imports of a file, resolved to repo paths (no extension). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8')
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)'/g)].map((m) => normalize(join(dirname(file), m[1] as string)))
}

/** The engine folder a path is in (`ingest`, `store`, …), or null for the engine's top-level files. */
function folderOf(path: string): string | null {
  const parts = relative(ENGINE, path).split(sep)
  return parts.length > 1 && !parts[0]?.startsWith('..') ? (parts[0] as string) : null
}

/** Folder → folders it imports from, with one example import for each edge. */
function folderGraph(): Map<string, Map<string, string>> {
  const graph = new Map<string, Map<string, string>>()
  for (const file of tsFiles(ENGINE)) {
    const from = folderOf(file)
    if (from === null) continue
    for (const target of importsOf(file)) {
      const to = folderOf(target)
      if (to === null || to === from || !target.startsWith(ENGINE)) continue
      const edges = graph.get(from) ?? new Map<string, string>()
      if (!edges.has(to)) edges.set(to, `${file} -> ${target}`)
      graph.set(from, edges)
    }
  }
  return graph
}

/** Every import loop between folders, as the chain of imports that closes it. */
function loops(graph: Map<string, Map<string, string>>): string[][] {
  const found: string[][] = []
  const seen = new Set<string>()
  const walk = (node: string, path: string[], via: string[]): void => {
    for (const [next, example] of graph.get(node) ?? []) {
      const at = path.indexOf(next)
      if (at >= 0) {
        const key = [...path.slice(at)].sort().join(',')
        if (!seen.has(key)) {
          seen.add(key)
          found.push([...via.slice(at), example])
        }
        continue
      }
      walk(next, [...path, next], [...via, example])
    }
  }
  for (const start of graph.keys()) walk(start, [start], [])
  return found
}

describe("the engine's layout", () => {
  it('has no import loops between its folders (store below ingest below query, and so on)', () => {
    expect(loops(folderGraph())).toEqual([])
  })

  it('finds a loop when there is one (the check itself works)', () => {
    const graph = new Map([
      ['store', new Map([['ingest', 'store/a.ts -> ingest/b']])],
      ['ingest', new Map([['store', 'ingest/b.ts -> store/a']])],
    ])
    expect(loops(graph)).toEqual([['store/a.ts -> ingest/b', 'ingest/b.ts -> store/a']])
  })

  it('keeps the tray on the contract: src/main/tray.ts reads no engine module', () => {
    expect(importsOf('src/main/tray.ts').filter((p) => p.startsWith(ENGINE))).toEqual([])
  })
})
