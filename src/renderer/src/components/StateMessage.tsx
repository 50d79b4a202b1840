import { type JSX, type ReactNode } from 'react'

/** Loading, error and empty states, announced to screen readers and readable at a glance. */
export function StateMessage({
  kind,
  title,
  children,
  testid,
}: {
  kind: 'loading' | 'error' | 'empty'
  title: string
  children?: ReactNode
  testid?: string
}): JSX.Element {
  return (
    <div className={`state state-${kind}`} role={kind === 'error' ? 'alert' : 'status'} data-testid={testid ?? `state-${kind}`}>
      {kind === 'loading' && <span className="spinner" aria-hidden="true" />}
      <p className="state-title">{title}</p>
      {children !== undefined && <div className="state-body">{children}</div>}
    </div>
  )
}
