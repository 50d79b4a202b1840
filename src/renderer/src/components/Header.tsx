import { type JSX, type ReactNode } from 'react'

export type Tab = 'dashboard' | 'sessions' | 'spend' | 'sources' | 'settings'

const TABS: readonly { id: Tab; label: string }[] = [
  { id: 'dashboard', label: 'Dashboard' },
  { id: 'sessions', label: 'Sessions' },
  { id: 'spend', label: 'Spend' },
  { id: 'sources', label: 'Sources' },
  { id: 'settings', label: 'Settings' },
]

/** App title, the view switcher and a slot for today's spend. */
export function Header({ tab, onTab, children }: { tab: Tab; onTab: (t: Tab) => void; children?: ReactNode }): JSX.Element {
  return (
    <header className="app-header">
      <h1 className="brand">
        <span className="logo" aria-hidden="true" />
        Token Watch
      </h1>
      <nav aria-label="Views">
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            className="tab"
            aria-current={t.id === tab ? 'page' : undefined}
            data-testid={`tab-${t.id}`}
            onClick={() => onTab(t.id)}
          >
            {t.label}
          </button>
        ))}
      </nav>
      <div className="header-end">{children}</div>
    </header>
  )
}
