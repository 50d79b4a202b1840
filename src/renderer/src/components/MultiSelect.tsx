import { type JSX, useEffect, useId, useRef, useState } from 'react'

/** A filter picker: a button that opens a list of checkboxes. Empty selection means "all". */
export function MultiSelect({
  label,
  options,
  selected,
  onChange,
  testid,
  flagged = [],
}: {
  label: string
  options: readonly string[]
  selected: readonly string[]
  onChange: (next: string[]) => void
  testid: string
  /** Options to mark as unpriced. */
  flagged?: readonly string[]
}): JSX.Element {
  const [open, setOpen] = useState(false)
  const [search, setSearch] = useState('')
  const root = useRef<HTMLDivElement>(null)
  const button = useRef<HTMLButtonElement>(null)
  const panelId = useId()

  useEffect(() => {
    if (!open) return
    const onDown = (e: MouseEvent): void => {
      if (root.current !== null && !root.current.contains(e.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', onDown)
    return () => document.removeEventListener('mousedown', onDown)
  }, [open])

  const toggle = (o: string): void => onChange(selected.includes(o) ? selected.filter((s) => s !== o) : [...selected, o])
  const summary = selected.length === 0 ? 'All' : selected.length === 1 ? selected[0] : `${selected.length} selected`
  const needle = search.trim().toLowerCase()
  const shown = needle === '' ? options : options.filter((o) => o.toLowerCase().includes(needle))
  // Keep selected values visible even when they no longer occur in the data.
  const missing = selected.filter((s) => !options.includes(s))

  return (
    <div
      className="multi"
      ref={root}
      data-testid={testid}
      onKeyDown={(e) => {
        if (e.key === 'Escape' && open) {
          e.stopPropagation()
          setOpen(false)
          button.current?.focus()
        }
      }}
    >
      <button
        ref={button}
        type="button"
        className={`multi-button${selected.length > 0 ? ' active' : ''}`}
        aria-expanded={open}
        aria-controls={panelId}
        data-testid={`${testid}-button`}
        onClick={() => setOpen(!open)}
      >
        <span className="multi-label">{label}</span>
        <span className="multi-value">{summary}</span>
        <span className="caret" aria-hidden="true">
          ▾
        </span>
      </button>
      {open && (
        <div className="multi-panel" id={panelId} role="group" aria-label={`${label} filter`}>
          {options.length > 8 && (
            <input
              type="search"
              className="multi-search"
              placeholder={`Find ${label.toLowerCase()}…`}
              aria-label={`Find ${label.toLowerCase()}`}
              value={search}
              onChange={(e) => setSearch(e.target.value)}
            />
          )}
          <ul>
            {[...missing, ...shown].map((o) => (
              <li key={o}>
                <label>
                  <input type="checkbox" checked={selected.includes(o)} onChange={() => toggle(o)} />
                  <span className="multi-option">{o}</span>
                  {flagged.includes(o) && <span className="badge badge-warn">unpriced</span>}
                </label>
              </li>
            ))}
            {shown.length === 0 && missing.length === 0 && <li className="muted">No matches</li>}
          </ul>
          <div className="multi-actions">
            <button type="button" className="link" onClick={() => onChange([])} disabled={selected.length === 0}>
              Clear
            </button>
            <button type="button" className="link" onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </div>
      )}
    </div>
  )
}
