/**
 * The one schema of the settings: what `settings.json` may hold and what a settings patch from
 * any UI (IPC, HTTP, the CLI) may change. Unknown fields are errors everywhere, so a misspelt
 * key is refused, never silently ignored.
 */
import { isAbsolute } from 'node:path'
import { z } from 'zod'
import { BUDGET_PERIODS, TEAM_PROJECTS, type Budget, type BudgetScope, type Settings, type TeamProjects } from '../../shared/contract'
import { LOG_SOURCE_IDS, SOURCE_IDS, type LogSourceId } from '../../shared/sources'
import type { SourceId } from '../../shared/usage'
import { DEFAULT_THRESHOLDS } from '../../shared/budget'
import { checkTeamUrl } from '../../shared/team-url'
import { checked } from './check'
import { atLeast, finite, flag, hasDuplicates, nonEmptyText, oneOf, record, settingsZone, text } from './fields'

/** No budget is larger than this: a bigger figure is a typo (an extra digit or a pasted number). */
export const MAX_BUDGET_USD = 1_000_000

const tooMuch = (v: number): string => `$${v} is more than $${MAX_BUDGET_USD.toLocaleString('en-US')}; check the amount`

const rate = () => atLeast(0)

/** A price override: USD per million tokens; a misspelt rate name is an unknown field, not ignored. */
const priceOverride = record({
  model: nonEmptyText(),
  input: rate(),
  output: rate(),
  cacheRead: rate().optional(),
  cacheWrite: rate().optional(),
  cacheWrite1h: rate().optional(),
})

const SCOPE_KEYS = ['agents', 'projects', 'models', 'users', 'sources'] as const satisfies readonly (keyof BudgetScope)[]
const names = () => z.array(nonEmptyText(), { error: 'must be a list of non-empty names' })

const scope = record(
  {
    agents: names().optional(),
    projects: names().optional(),
    models: names().optional(),
    users: names().optional(),
    sources: z
      .array(
        z.enum(SOURCE_IDS as readonly [SourceId, ...SourceId[]], {
          error: (iss) => `unknown source ${JSON.stringify(iss.input)} (use ${SOURCE_IDS.join(', ')})`,
        }),
        {
          error: 'must be a list of non-empty names',
        },
      )
      .optional(),
  },
  () => `unknown dimension (use ${SCOPE_KEYS.join(', ')})`,
).transform((s): BudgetScope => {
  // An empty list of names is no restriction: left out (sources are kept as given).
  const out: BudgetScope = {}
  for (const k of ['agents', 'projects', 'models', 'users'] as const) if (s[k]?.length) out[k] = s[k]
  if (s.sources) out.sources = s.sources
  return out
})

const budget = record({
  id: text().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 letters, digits, - or _' }),
  name: text()
    .refine((n) => n.trim() !== '' && n.length <= 80, { error: 'must be 1-80 characters' })
    .optional(),
  amountUsd: z
    .number({ error: 'must be a number of US dollars' })
    .refine((v) => v > 0, { error: (iss) => `must be more than $0 (got ${String(iss.input)})`, abort: true })
    .refine((v) => v <= MAX_BUDGET_USD, { error: (iss) => tooMuch(iss.input as number) }),
  period: z.enum(BUDGET_PERIODS, { error: 'must be day, week or month' }),
  scope: scope.optional(),
  thresholds: z
    .array(
      finite().refine((p) => p > 0 && p <= 1000, { error: 'must be a percentage above 0 and at most 1000' }),
      { error: 'must be a list of 1-10 percentages' },
    )
    .min(1, { error: 'must be a list of 1-10 percentages' })
    .max(10, { error: 'must be a list of 1-10 percentages' })
    .refine((t) => !hasDuplicates(t), { error: 'lists a percentage twice' })
    .optional(),
}).transform((b): Budget => ({
  id: b.id,
  name: b.name ?? b.id,
  amountUsd: b.amountUsd,
  period: b.period,
  scope: b.scope ?? {},
  thresholds: b.thresholds ? [...b.thresholds].sort((x, y) => x - y) : [...DEFAULT_THRESHOLDS],
}))

/** Budgets: ids unique, and never "daily" (the daily budget's own). */
export const budgets = z.array(budget, { error: 'must be a list of budgets' }).superRefine((list, ctx) => {
  const seen = new Set<string>(['daily'])
  list.forEach((b, i) => {
    if (seen.has(b.id))
      ctx.addIssue({
        code: 'custom',
        path: [i, 'id'],
        message: b.id === 'daily' ? '"daily" is the daily budget\'s id' : `"${b.id}" is used twice`,
      })
    seen.add(b.id)
  })
})

const folders = z.array(text(), { error: 'must be a list of folders' })

const logFolders = record(
  Object.fromEntries(LOG_SOURCE_IDS.map((id) => [id, folders.optional()])) as Record<LogSourceId, z.ZodOptional<typeof folders>>,
  (key) => `unknown source ${JSON.stringify(key)} (use ${LOG_SOURCE_IDS.join(', ')})`,
)

/** Every settings field; a patch may hold any of them (plus the two names before logFolders). */
export const settingsPatch = record({
  timeZone: settingsZone().optional(),
  dailyBudgetUsd: atLeast(0)
    .refine((v) => v <= MAX_BUDGET_USD, { error: (iss) => tooMuch(iss.input as number) })
    .nullable()
    .optional(),
  launchAtLogin: flag().optional(),
  paused: flag().optional(),
  otlpEnabled: flag().optional(),
  otlpPort: z
    .number({ error: 'must be a port number, 0 to 65535 (0: any free port)' })
    .int({ error: 'must be a port number, 0 to 65535 (0: any free port)' })
    .min(0, { error: 'must be a port number, 0 to 65535 (0: any free port)' })
    .max(65535, { error: 'must be a port number, 0 to 65535 (0: any free port)' })
    .optional(),
  logFolders: logFolders.optional(),
  // The names before logFolders (settings files and clients of that time), read into it.
  claudeConfigDirs: folders.optional(),
  codexHomes: folders.optional(),
  disabledSources: z
    .array(oneOf(LOG_SOURCE_IDS, 'source'), { error: `must be a list of source ids (${LOG_SOURCE_IDS.join(', ')})` })
    .optional(),
  priceOverrides: z.array(priceOverride, { error: 'must be an array of price overrides' }).optional(),
  budgets: budgets.optional(),
  weekStart: z
    .number({ error: "must be 1 (Monday) to 7 (Sunday), or null for the locale's" })
    .int({ error: "must be 1 (Monday) to 7 (Sunday), or null for the locale's" })
    .min(1, { error: "must be 1 (Monday) to 7 (Sunday), or null for the locale's" })
    .max(7, { error: "must be 1 (Monday) to 7 (Sunday), or null for the locale's" })
    .nullable()
    .optional(),
  teamUrl: text()
    .refine((v) => v === '' || checkTeamUrl(v) === null, {
      error: (iss) => `must be a postgres:// URL or "" (${checkTeamUrl(iss.input as string) ?? ''})`,
    })
    .optional(),
  teamProjects: z
    .enum(TEAM_PROJECTS as readonly [TeamProjects, ...TeamProjects[]], { error: `must be one of ${TEAM_PROJECTS.join(', ')}` })
    .optional(),
  machinesFolder: text()
    .refine((v) => v === '' || isAbsolute(v), { error: 'must be an absolute folder path or ""' })
    .optional(),
}).transform((p): Partial<Settings> => {
  const { claudeConfigDirs, codexHomes, ...rest } = p
  const out = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as Partial<Settings>
  const lf: Partial<Record<LogSourceId, string[]>> = {
    ...(claudeConfigDirs ? { 'claude-code': claudeConfigDirs } : {}),
    ...(codexHomes ? { codex: codexHomes } : {}),
    ...Object.fromEntries(Object.entries(rest.logFolders ?? {}).filter(([, v]) => v !== undefined)),
  }
  if (rest.logFolders !== undefined || claudeConfigDirs || codexHomes) out.logFolders = lf as Settings['logFolders']
  return out
})

/** The fields a settings patch may name. */
export const SETTINGS_FIELDS = Object.keys(settingsPatch.in.shape)

/**
 * Checks a settings patch (from a file or a UI) against the one schema; returns the validated
 * patch or the first problem, `field: why` (under `base`, e.g. `arg.timeZone: …`).
 */
export function validateSettingsPatch(patch: unknown, base = ''): { ok: true; value: Partial<Settings> } | { ok: false; error: string } {
  return checked(settingsPatch, patch, base)
}

/** Validates a list of budgets, filling defaults (name = id, scope = everything, thresholds 80/100). */
export function validateBudgets(v: unknown, base = 'budgets'): { ok: true; value: Budget[] } | { ok: false; error: string } {
  return checked(budgets, v, base)
}
