import { type JSX } from 'react'

export type SortDir = 'asc' | 'desc'

export interface SortState<K extends string> {
  key: K
  dir: SortDir
}

/** A column header that sorts on click; numbers start descending, names ascending. */
export function SortableHeader<K extends string>({
  id,
  label,
  sort,
  onSort,
  numeric = false,
}: {
  id: K
  label: string
  sort: SortState<K>
  onSort: (s: SortState<K>) => void
  numeric?: boolean
}): JSX.Element {
  const active = sort.key === id
  const next: SortDir = active ? (sort.dir === 'asc' ? 'desc' : 'asc') : numeric ? 'desc' : 'asc'
  return (
    <th scope="col" className={numeric ? 'num' : undefined} aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
      <button type="button" className="sort" data-testid={`sort-${id}`} onClick={() => onSort({ key: id, dir: next })}>
        {label}
        <span className="sort-mark" aria-hidden="true">
          {active ? (sort.dir === 'asc' ? '▲' : '▼') : ''}
        </span>
      </button>
    </th>
  )
}

/** Sorts a copy of `rows` by `get`, strings by locale, numbers numerically. */
export function sortRows<T>(rows: readonly T[], dir: SortDir, get: (r: T) => string | number): T[] {
  const sign = dir === 'asc' ? 1 : -1
  return [...rows].sort((a, b) => {
    const x = get(a)
    const y = get(b)
    return sign * (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y)))
  })
}
