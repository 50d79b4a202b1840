import { type JSX } from 'react'

/** One override as typed (strings, so half-typed numbers are not lost). USD per million tokens. */
export interface OverrideDraft {
  model: string
  input: string
  output: string
  cacheRead: string
  cacheWrite: string
  cacheWrite1h: string
}

export const EMPTY_OVERRIDE: OverrideDraft = { model: '', input: '', output: '', cacheRead: '', cacheWrite: '', cacheWrite1h: '' }

const FIELDS: readonly { id: Exclude<keyof OverrideDraft, 'model'>; label: string; required: boolean }[] = [
  { id: 'input', label: 'Input', required: true },
  { id: 'output', label: 'Output', required: true },
  { id: 'cacheRead', label: 'Cache read', required: false },
  { id: 'cacheWrite', label: 'Cache write 5m', required: false },
  { id: 'cacheWrite1h', label: 'Cache write 1h', required: false },
]

/** Editable table of per-model price overrides. */
export function PriceOverridesEditor({
  rows,
  onChange,
  models,
}: {
  rows: OverrideDraft[]
  onChange: (rows: OverrideDraft[]) => void
  models: readonly string[]
}): JSX.Element {
  const set = (i: number, patch: Partial<OverrideDraft>): void => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <fieldset className="overrides">
      <legend>
        Price overrides <span className="muted">(USD per million tokens)</span>
      </legend>
      <datalist id="known-models">
        {models.map((m) => (
          <option key={m} value={m} />
        ))}
      </datalist>
      {rows.length === 0 && <p className="muted">None: prices come from the bundled price table.</p>}
      {rows.map((r, i) => (
        <div className="override-row" key={i} data-testid="override-row">
          <label>
            Model
            <input list="known-models" value={r.model} required onChange={(e) => set(i, { model: e.target.value })} />
          </label>
          {FIELDS.map((f) => (
            <label key={f.id}>
              {f.label}
              <input
                type="number"
                inputMode="decimal"
                min={0}
                step="any"
                required={f.required}
                value={r[f.id]}
                onChange={(e) => set(i, { [f.id]: e.target.value })}
              />
            </label>
          ))}
          <button
            type="button"
            className="link danger"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={`Remove override ${r.model || i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, EMPTY_OVERRIDE])}>
        Add override
      </button>
    </fieldset>
  )
}
