import { type JSX, type ReactNode } from 'react'
import type { SourceStatus } from '../../../shared/contract'
import { formatInt, formatRelative } from '../lib/format'
import { isLogSourceId, SOURCE_IDS, sourceLabel } from '../../../shared/sources'

/** How each source is named in the UI. */
export const SOURCE_NAMES: Record<SourceStatus['source'], string> = Object.fromEntries(
  SOURCE_IDS.map((id) => [id, sourceLabel(id)]),
) as Record<SourceStatus['source'], string>

/** One watched source: where, how much, when last, and what was skipped and why. */
export function SourceCard({
  s,
  now,
  onSwitch,
  paused = false,
  children,
}: {
  s: SourceStatus
  now: number
  onSwitch?: (on: boolean) => void
  paused?: boolean
  children?: ReactNode
}): JSX.Element {
  // A paused engine reads no log, so a log source says so; pushed sources keep receiving.
  const isLog = isLogSourceId(s.source)
  const badge = s.disabled
    ? { cls: 'badge-muted', text: 'switched off' }
    : !s.found
      ? { cls: 'badge-muted', text: 'not found' }
      : paused && isLog
        ? { cls: 'badge-warn', text: 'paused' }
        : { cls: 'badge-ok', text: isLog ? 'watching' : 'receiving' }
  const reasons = Object.entries(s.skipReasons).sort((a, b) => b[1] - a[1])
  const errors = s.fileErrors
  const unreadable = errors === undefined ? 0 : errors.unreadable + errors.danglingLinks
  return (
    <article className={`card source${s.found && !s.disabled ? '' : ' source-missing'}`} data-testid={`source-${s.source}`}>
      <header className="source-head">
        <h3>{SOURCE_NAMES[s.source]}</h3>
        <span className={`badge ${badge.cls}`} data-testid={`source-badge-${s.source}`}>
          {badge.text}
        </span>
        {onSwitch !== undefined && s.envVars !== undefined && (
          <label className="source-switch">
            <input
              type="checkbox"
              checked={!s.disabled}
              onChange={(e) => onSwitch(e.target.checked)}
              data-testid={`source-switch-${s.source}`}
            />
            read
          </label>
        )}
      </header>
      <p className="source-location">
        <code>{s.location}</code>
      </p>
      {s.portTaken !== undefined && (
        <p className="help" data-testid={`port-taken-${s.source}`}>
          Port {s.portTaken} is taken (another collector?): receiving on <code>{s.location}</code> instead. Point agents there.
        </p>
      )}
      {s.found && (
        <dl className="stats">
          <div>
            <dt>Files</dt>
            <dd>{formatInt(s.files)}</dd>
          </div>
          <div>
            <dt>Sessions</dt>
            <dd>{formatInt(s.sessions)}</dd>
          </div>
          <div>
            <dt>Projects</dt>
            <dd>{formatInt(s.projects)}</dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{formatInt(s.events)}</dd>
          </div>
          <div>
            <dt>Last event</dt>
            <dd>{s.lastEventTs === null ? '—' : formatRelative(s.lastEventTs, now)}</dd>
          </div>
          {s.lastReadAt !== undefined && (
            <div>
              <dt>Last update</dt>
              <dd>{s.lastReadAt === null ? '—' : formatRelative(s.lastReadAt, now)}</dd>
            </div>
          )}
          <div>
            <dt>{s.services !== undefined ? 'Records not counted' : 'Lines skipped'}</dt>
            <dd>{formatInt(s.skippedLines)}</dd>
          </div>
          {unreadable > 0 && (
            <div>
              <dt>Unreadable files</dt>
              <dd>{formatInt(unreadable)}</dd>
            </div>
          )}
        </dl>
      )}
      {errors !== undefined && unreadable > 0 && (
        <details className="skips" data-testid={`file-errors-${s.source}`}>
          <summary>
            Files that could not be read: {formatInt(errors.unreadable)} unreadable, {formatInt(errors.danglingLinks)} broken links
          </summary>
          <ul>
            {errors.first.map((e) => (
              <li key={e.path}>
                <code>{e.path}</code> <span className="muted">{e.error}</span>
              </li>
            ))}
            {errors.first.length < unreadable && <li className="muted">and {formatInt(unreadable - errors.first.length)} more</li>}
          </ul>
        </details>
      )}
      {s.services !== undefined && s.services.length > 0 && (
        <table className="otlp-services" data-testid={`services-${s.source}`}>
          <thead>
            <tr>
              <th>Service</th>
              <th className="num">Received</th>
              <th className="num">With usage</th>
              <th>Not counted</th>
              <th>Last seen</th>
            </tr>
          </thead>
          <tbody>
            {s.services.map((v) => (
              <tr key={v.service}>
                <td>
                  <code>{v.service || '(no service.name)'}</code>
                </td>
                <td className="num">{formatInt(v.received)}</td>
                <td className="num">{formatInt(v.usage)}</td>
                <td>
                  {Object.entries(v.skipped)
                    .map(([why, n]) => `${why} ${formatInt(n ?? 0)}`)
                    .join(', ') || '—'}
                </td>
                <td>{formatRelative(v.lastSeenAt, now)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {reasons.length > 0 && (
        <details className="skips">
          <summary>{s.services !== undefined ? 'Why records were not counted' : 'Why lines were skipped'}</summary>
          <ul>
            {reasons.map(([why, n]) => (
              <li key={why}>
                <span>{why}</span> <span className="num">{formatInt(n)}</span>
              </li>
            ))}
          </ul>
        </details>
      )}
      {s.hint !== undefined && <p className="hint">{s.hint}</p>}
      {!s.found && s.envVars !== undefined && s.envVars.length > 0 && (
        <p className="hint" data-testid={`source-env-${s.source}`}>
          Set{' '}
          {s.envVars.map((v, i) => (
            <span key={v}>
              {i > 0 ? ' or ' : ''}
              <code>{v}</code>
            </span>
          ))}
          , or add a folder in Settings.
        </p>
      )}
      {children}
    </article>
  )
}
