/** Checks budgets where they enter (settings file, UI, HTTP); every error names the field and says why. */
import { BUDGET_PERIODS, type Budget, type BudgetScope } from '../../shared/contract'
import { SOURCE_IDS } from '../../shared/sources'
import type { SourceId } from '../../shared/usage'
import { DEFAULT_THRESHOLDS } from './status'

/** No budget is larger than this: a bigger figure is a typo (an extra digit or a pasted number). */
export const MAX_BUDGET_USD = 1_000_000


const SCOPE_KEYS = ['agents', 'projects', 'models', 'users', 'sources'] as const satisfies readonly (keyof BudgetScope)[]
const ID_RE = /^[A-Za-z0-9_-]{1,64}$/

/** Validates a list of budgets, filling defaults (name = id, scope = everything, thresholds 80/100). */
export function validateBudgets(v: unknown, path = 'budgets'): { ok: true; value: Budget[] } | { ok: false; error: string } {
  const bad = (at: string, why: string) => ({ ok: false as const, error: `${at}: ${why}` })
  if (!Array.isArray(v)) return bad(path, 'must be a list of budgets')
  const out: Budget[] = []
  const ids = new Set<string>(['daily'])
  for (const [i, raw] of v.entries()) {
    const at = `${path}[${i}]`
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad(at, 'must be an object')
    const o = raw as Record<string, unknown>
    for (const k of Object.keys(o)) if (!['id', 'name', 'amountUsd', 'period', 'scope', 'thresholds'].includes(k)) return bad(`${at}.${k}`, 'unknown field')
    if (typeof o.id !== 'string' || !ID_RE.test(o.id)) return bad(`${at}.id`, 'must be 1-64 letters, digits, - or _')
    if (ids.has(o.id)) return bad(`${at}.id`, o.id === 'daily' ? '"daily" is the daily budget\'s id' : `"${o.id}" is used twice`)
    ids.add(o.id)
    const name = o.name === undefined ? o.id : o.name
    if (typeof name !== 'string' || name.trim() === '' || name.length > 80) return bad(`${at}.name`, 'must be 1-80 characters')
    const amount = o.amountUsd
    if (typeof amount !== 'number' || !Number.isFinite(amount)) return bad(`${at}.amountUsd`, 'must be a number of US dollars')
    if (amount <= 0) return bad(`${at}.amountUsd`, `must be more than $0 (got ${amount})`)
    if (amount > MAX_BUDGET_USD) return bad(`${at}.amountUsd`, `$${amount} is more than $${MAX_BUDGET_USD.toLocaleString('en-US')}; check the amount`)
    if (typeof o.period !== 'string' || !(BUDGET_PERIODS as readonly string[]).includes(o.period)) return bad(`${at}.period`, 'must be day, week or month')
    const scope: BudgetScope = {}
    if (o.scope !== undefined) {
      if (typeof o.scope !== 'object' || o.scope === null || Array.isArray(o.scope)) return bad(`${at}.scope`, 'must be an object')
      for (const [k, list] of Object.entries(o.scope)) {
        if (!(SCOPE_KEYS as readonly string[]).includes(k)) return bad(`${at}.scope.${k}`, `unknown dimension (use ${SCOPE_KEYS.join(', ')})`)
        if (!Array.isArray(list) || !list.every((s) => typeof s === 'string' && s !== '')) return bad(`${at}.scope.${k}`, 'must be a list of non-empty names')
        if (k === 'sources') {
          const unknown = list.find((s) => !(SOURCE_IDS as readonly string[]).includes(s))
          if (unknown !== undefined) return bad(`${at}.scope.sources`, `unknown source ${JSON.stringify(unknown)} (use ${SOURCE_IDS.join(', ')})`)
          scope.sources = list as SourceId[]
        } else if (list.length > 0) {
          scope[k as Exclude<(typeof SCOPE_KEYS)[number], 'sources'>] = list as string[]
        }
      }
    }
    let thresholds = DEFAULT_THRESHOLDS
    if (o.thresholds !== undefined) {
      const t = o.thresholds
      if (!Array.isArray(t) || t.length === 0 || t.length > 10) return bad(`${at}.thresholds`, 'must be a list of 1-10 percentages')
      for (const [j, p] of t.entries()) {
        if (typeof p !== 'number' || !Number.isFinite(p) || p <= 0 || p > 1000) return bad(`${at}.thresholds[${j}]`, 'must be a percentage above 0 and at most 1000')
      }
      if (new Set(t).size !== t.length) return bad(`${at}.thresholds`, 'lists a percentage twice')
      thresholds = [...(t as number[])].sort((a, b) => a - b)
    }
    out.push({ id: o.id, name, amountUsd: amount, period: o.period as Budget['period'], scope, thresholds })
  }
  return { ok: true, value: out }
}

/** Validates the week's first day: ISO 1 (Monday) to 7 (Sunday), or null for the locale's. */
export function validWeekStart(v: unknown): v is number | null {
  return v === null || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 7)
}
