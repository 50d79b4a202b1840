import { type JSX, useState } from 'react'
import { assertNever } from '../../../shared/assert-never'
import type { SessionSummary } from '../../../shared/contract'
import { formatDateTime, formatInt, totalTokens } from '../lib/format'
import { implicitSessionHour } from '../../../shared/implicit-session'
import { sessionLabel } from '../lib/session-label'
import { Cost } from './Cost'
import { SortableHeader, sortRows, type SortState } from './SortableHeader'

type Col = 'lastTs' | 'agentId' | 'project' | 'requests' | 'tokens' | 'cost'

const PAGE = 50

function value(s: SessionSummary, c: Col): string | number {
  switch (c) {
    case 'tokens':
      return totalTokens(s)
    case 'cost':
      return s.costUsd
    case 'lastTs':
    case 'agentId':
    case 'project':
    case 'requests':
      return s[c]
    default:
      return assertNever(c)
  }
}

/** Sessions in the range, newest first; each opens its own timeline. */
export function SessionsList({
  sessions,
  tz,
  unpricedModels,
  onOpen,
}: {
  sessions: readonly SessionSummary[]
  tz: string
  unpricedModels: ReadonlySet<string>
  onOpen: (s: SessionSummary) => void
}): JSX.Element {
  const [sort, setSort] = useState<SortState<Col>>({ key: 'lastTs', dir: 'desc' })
  const [limit, setLimit] = useState(PAGE)
  const rows = sortRows(sessions, sort.dir, (s) => value(s, sort.key))
  return (
    <>
      <div className="table-wrap">
        <table data-testid="sessions-table">
          <thead>
            <tr>
              <SortableHeader id="lastTs" label="Last activity" sort={sort} onSort={setSort} numeric />
              <SortableHeader id="agentId" label="Agent" sort={sort} onSort={setSort} />
              <SortableHeader id="project" label="Project" sort={sort} onSort={setSort} />
              <th scope="col">Models</th>
              <SortableHeader id="requests" label="Requests" sort={sort} onSort={setSort} numeric />
              <SortableHeader id="tokens" label="Tokens" sort={sort} onSort={setSort} numeric />
              <SortableHeader id="cost" label="Cost" sort={sort} onSort={setSort} numeric />
              <th scope="col">
                <span className="sr-only">Open</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.slice(0, limit).map((s) => (
              <tr key={s.sessionId} data-testid="session-row">
                <td>{formatDateTime(s.lastTs, tz)}</td>
                <td>
                  {s.agentId}
                  {implicitSessionHour(s.sessionId) !== null && (
                    <span className="badge badge-muted" title={sessionLabel(s, tz)} data-testid="session-implicit">
                      no session id
                    </span>
                  )}
                </td>
                <td className="name">
                  <span className="cut" title={s.project}>
                    {s.project}
                  </span>
                </td>
                <td className="models">
                  {s.models.map((m) => (
                    <span
                      key={m}
                      className={`chip${unpricedModels.has(m) ? ' chip-warn' : ''}`}
                      title={unpricedModels.has(m) ? 'no known price' : undefined}
                    >
                      {m}
                    </span>
                  ))}
                </td>
                <td className="num">{formatInt(s.requests)}</td>
                <td className="num">{formatInt(totalTokens(s))}</td>
                <td className="num">
                  <Cost f={s} />
                </td>
                <td>
                  <button
                    type="button"
                    className="link"
                    data-testid="session-open"
                    onClick={() => onOpen(s)}
                    aria-label={`Open ${sessionLabel(s, tz)}`}
                  >
                    Timeline →
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length > limit && (
        <p className="more">
          <button type="button" onClick={() => setLimit(limit + PAGE)}>
            Show {formatInt(Math.min(PAGE, rows.length - limit))} more of {formatInt(rows.length - limit)}
          </button>
        </p>
      )}
    </>
  )
}
