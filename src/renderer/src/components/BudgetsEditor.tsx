import { type JSX } from 'react'
import { BUDGET_PERIODS, type Budget, type BudgetPeriod, type BudgetScope } from '../../../shared/contract'

/** One budget as typed (strings, so half-typed numbers are not lost). */
export interface BudgetDraft {
  /** Kept for budgets that exist (their alerts are remembered by it); new ones get one from the name. */
  id: string
  name: string
  amount: string
  period: BudgetPeriod
  /** `models: a, b; sources: codex`; empty = everything. */
  scope: string
  /** `80, 100` */
  thresholds: string
}

export const EMPTY_BUDGET: BudgetDraft = { id: '', name: '', amount: '', period: 'week', scope: '', thresholds: '80, 100' }

const SCOPE_DIMS = ['agents', 'projects', 'models', 'users', 'sources'] as const

export function scopeText(s: BudgetScope): string {
  return SCOPE_DIMS.filter((d) => (s[d]?.length ?? 0) > 0)
    .map((d) => `${d}: ${(s[d] ?? []).join(', ')}`)
    .join('; ')
}

export function toBudgetDraft(b: Budget): BudgetDraft {
  return {
    id: b.id,
    name: b.name,
    amount: String(b.amountUsd),
    period: b.period,
    scope: scopeText(b.scope),
    thresholds: b.thresholds.join(', '),
  }
}

const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48) || 'budget'

/**
 * Turns the drafts into budgets, or the first problem a person can fix here. The engine checks
 * them again (amount limits, known sources, duplicate ids) and its error names the field.
 */
export function fromBudgetDrafts(rows: BudgetDraft[]): Budget[] | string {
  const ids = new Set<string>(['daily', ...rows.map((r) => r.id).filter(Boolean)])
  const out: Budget[] = []
  for (const [i, r] of rows.entries()) {
    const name = r.name.trim()
    const label = name || `Budget ${i + 1}`
    if (name === '') return `${label}: give the budget a name.`
    if (r.amount.trim() === '' || !Number.isFinite(Number(r.amount))) return `${label}: the amount must be a number of US dollars.`
    const scope: BudgetScope = {}
    for (const part of r.scope
      .split(';')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const m = /^(\w+)\s*:\s*(.+)$/.exec(part)
      const dim = m?.[1] as (typeof SCOPE_DIMS)[number] | undefined
      if (!m || !dim || !(SCOPE_DIMS as readonly string[]).includes(dim))
        return `${label}: scope "${part}" should read like "models: a, b" (${SCOPE_DIMS.join(', ')}).`
      const values = (m[2] ?? '')
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean)
      ;(scope as Record<string, string[]>)[dim] = values
    }
    const thresholds = r.thresholds
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean)
      .map(Number)
    if (thresholds.length === 0 || thresholds.some((t) => !Number.isFinite(t)))
      return `${label}: thresholds are percentages separated by commas, e.g. 80, 100.`
    let id = r.id
    if (id === '') {
      id = slug(name)
      for (let n = 2; ids.has(id); n++) id = `${slug(name)}-${n}`
      ids.add(id)
    }
    out.push({ id, name, amountUsd: Number(r.amount), period: r.period, scope, thresholds })
  }
  return out
}

/** Editable list of budgets: name, amount, period, scope and thresholds. */
export function BudgetsEditor({ rows, onChange }: { rows: BudgetDraft[]; onChange: (rows: BudgetDraft[]) => void }): JSX.Element {
  const set = (i: number, patch: Partial<BudgetDraft>): void => onChange(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)))
  return (
    <fieldset className="budgets-editor">
      <legend>
        Budgets <span className="muted">(USD; notifications at each threshold, once per period)</span>
      </legend>
      {rows.length === 0 && <p className="muted">None besides the daily budget above.</p>}
      {rows.map((r, i) => (
        <div className="override-row" key={i} data-testid="budget-row">
          <label>
            Name
            <input value={r.name} onChange={(e) => set(i, { name: e.target.value })} />
          </label>
          <label>
            Amount (USD)
            <input type="number" inputMode="decimal" step="any" value={r.amount} onChange={(e) => set(i, { amount: e.target.value })} />
          </label>
          <label>
            Per
            <select value={r.period} onChange={(e) => set(i, { period: e.target.value as BudgetPeriod })}>
              {BUDGET_PERIODS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          <label>
            Scope
            <input
              value={r.scope}
              placeholder="everything (or models: a, b; sources: codex)"
              onChange={(e) => set(i, { scope: e.target.value })}
            />
          </label>
          <label>
            Thresholds (%)
            <input value={r.thresholds} onChange={(e) => set(i, { thresholds: e.target.value })} />
          </label>
          <button
            type="button"
            className="link danger"
            onClick={() => onChange(rows.filter((_, j) => j !== i))}
            aria-label={`Remove budget ${r.name || i + 1}`}
          >
            Remove
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, EMPTY_BUDGET])}>
        Add budget
      </button>
    </fieldset>
  )
}
