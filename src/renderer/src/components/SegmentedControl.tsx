import { type JSX } from 'react'

export interface Segment<T extends string> {
  id: T
  label: string
  disabled?: boolean
  /** The button's tooltip (say why it is disabled). */
  title?: string
}

/** A row of toggle buttons for one choice (aria-pressed marks the current one). */
export function SegmentedControl<T extends string>({
  label,
  options,
  value,
  onChange,
  testid,
}: {
  label: string
  options: readonly Segment<T>[]
  value: T
  onChange: (v: T) => void
  testid: string
}): JSX.Element {
  return (
    <div className="segmented" role="group" aria-label={label} data-testid={testid}>
      {options.map((o) => (
        <button
          key={o.id}
          type="button"
          aria-pressed={o.id === value}
          disabled={o.disabled}
          title={o.title}
          data-testid={`${testid}-${o.id}`}
          onClick={() => onChange(o.id)}
        >
          {o.label}
        </button>
      ))}
    </div>
  )
}
