import { type JSX, useState } from 'react'
import { assertNever } from '../../../shared/assert-never'
import type { AppApi, ReportRow, UsageFilter } from '../../../shared/contract'
import { formatInt, formatShare, totalTokens } from '../lib/format'
import { useAsync } from '../lib/use-async'
import { Cost } from './Cost'
import { SegmentedControl } from './SegmentedControl'
import { SortableHeader, sortRows, type SortState } from './SortableHeader'
import { StateMessage } from './StateMessage'

type Dim = 'model' | 'agent' | 'project' | 'user' | 'machine'
type Col = 'name' | 'requests' | 'input' | 'output' | 'cacheRead' | 'cacheWrite' | 'tokens' | 'cost'

const DIMS: readonly { id: Dim; label: string }[] = [
  { id: 'model', label: 'Model' },
  { id: 'agent', label: 'Agent' },
  { id: 'project', label: 'Project' },
  { id: 'user', label: 'User' },
  { id: 'machine', label: 'Machine' },
]
const COLS: readonly { id: Exclude<Col, 'name'>; label: string }[] = [
  { id: 'requests', label: 'Requests' },
  { id: 'input', label: 'Input' },
  { id: 'output', label: 'Output' },
  { id: 'cacheRead', label: 'Cache read' },
  { id: 'cacheWrite', label: 'Cache write' },
  { id: 'tokens', label: 'Tokens' },
  { id: 'cost', label: 'Cost' },
]

function cell(r: ReportRow, c: Col, dim: Dim): string | number {
  switch (c) {
    case 'name':
      return r[dim] ?? ''
    case 'tokens':
      return totalTokens(r)
    case 'cost':
      return r.costUsd
    case 'requests':
    case 'input':
    case 'output':
    case 'cacheRead':
    case 'cacheWrite':
      return r[c]
    default:
      return assertNever(c)
  }
}

/** Totals per model, agent, project, user (or machine, where the data has several) for the range and filters; sortable by any column. */
export function BreakdownTable({
  api,
  filter,
  tick,
  machines = false,
}: {
  api: AppApi
  filter: UsageFilter
  tick: number
  machines?: boolean
}): JSX.Element {
  const options = machines ? DIMS : DIMS.filter((d) => d.id !== 'machine')
  const [picked, setDim] = useState<Dim>('model')
  // Back to one machine (this machine's own data): a machine breakdown is no choice any more.
  const dim: Dim = options.some((d) => d.id === picked) ? picked : 'model'
  const [sort, setSort] = useState<SortState<Col>>({ key: 'cost', dir: 'desc' })
  const query = { ...filter, groupBy: [dim] }
  // The answer carries the dimension it was grouped by: while the next group loads, the last
  // answer stays on screen under its own column, never re-read by the new dimension (which made
  // every row "(none)" and, with React keys all equal, left stale rows behind).
  const report = useAsync(`${JSON.stringify(query)}#${tick}`, () => api.report(query).then((r) => ({ dim, r })))
  const shownDim = report.data?.dim ?? dim
  const data = report.data?.r
  const grand = data === undefined ? 0 : totalTokens(data.totals)
  const rows = data === undefined ? [] : sortRows(data.rows, sort.dir, (r) => cell(r, sort.key, shownDim))
  const unpriced = new Set(data?.unpricedModels ?? [])

  return (
    <section className="card" aria-labelledby="breakdown-title">
      <header className="card-header">
        <h2 id="breakdown-title">Breakdown</h2>
        <SegmentedControl label="Break down by" options={options} value={dim} onChange={setDim} testid="breakdown-dim" />
      </header>
      {report.error !== undefined ? (
        <StateMessage kind="error" title="Could not load the breakdown">
          {report.error}
        </StateMessage>
      ) : data === undefined ? (
        <StateMessage kind="loading" title="Loading…" />
      ) : rows.length === 0 ? (
        <StateMessage kind="empty" title="Nothing to break down in this range" />
      ) : (
        <div className="table-wrap">
          <table data-testid="breakdown-table">
            <thead>
              <tr>
                <SortableHeader id="name" label={DIMS.find((d) => d.id === shownDim)?.label ?? shownDim} sort={sort} onSort={setSort} />
                {COLS.map((c) => (
                  <SortableHeader key={c.id} id={c.id} label={c.label} sort={sort} onSort={setSort} numeric />
                ))}
                <th scope="col" className="num">
                  Share
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => {
                const name = r[shownDim] ?? ''
                return (
                  <tr key={`${shownDim}:${name}`} data-testid="breakdown-row">
                    <th scope="row" className="name">
                      {name === '' ? (
                        <span className="muted">(none)</span>
                      ) : (
                        <span className="cut" title={name}>
                          {name}
                        </span>
                      )}
                      {shownDim === 'model' && unpriced.has(name) && <span className="badge badge-warn">unpriced</span>}
                    </th>
                    <td className="num">{formatInt(r.requests)}</td>
                    <td className="num">{formatInt(r.input)}</td>
                    <td className="num">{formatInt(r.output)}</td>
                    <td className="num">{formatInt(r.cacheRead)}</td>
                    <td className="num">{formatInt(r.cacheWrite)}</td>
                    <td className="num">{formatInt(totalTokens(r))}</td>
                    <td className="num">
                      <Cost f={r} />
                    </td>
                    <td className="num share">
                      <span className="bar" style={{ width: `${grand === 0 ? 0 : (totalTokens(r) / grand) * 100}%` }} aria-hidden="true" />
                      {formatShare(grand === 0 ? 0 : totalTokens(r) / grand)}
                    </td>
                  </tr>
                )
              })}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td className="num">{formatInt(data.totals.requests)}</td>
                <td className="num">{formatInt(data.totals.input)}</td>
                <td className="num">{formatInt(data.totals.output)}</td>
                <td className="num">{formatInt(data.totals.cacheRead)}</td>
                <td className="num">{formatInt(data.totals.cacheWrite)}</td>
                <td className="num">{formatInt(grand)}</td>
                <td className="num">
                  <Cost f={data.totals} />
                </td>
                <td className="num">{formatShare(grand === 0 ? 0 : 1)}</td>
              </tr>
            </tfoot>
          </table>
        </div>
      )}
    </section>
  )
}
