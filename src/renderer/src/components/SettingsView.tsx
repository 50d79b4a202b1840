import { type FormEvent, type JSX, useMemo, useState } from 'react'
import type { AppApi, PriceOverride, Settings, TeamProjects } from '../../../shared/contract'
import type { Transport } from '../api'
import { isValidTimeZone, systemTimeZone } from '../../../shared/time-zone'
import { LogFolders } from './LogFolders'
import { ConnectAgent } from './ConnectAgent'
import { MachineName } from './MachineName'
import { PriceOverridesEditor, type OverrideDraft } from './PriceOverridesEditor'
import { BudgetsEditor, fromBudgetDrafts, toBudgetDraft, type BudgetDraft } from './BudgetsEditor'

const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s))

function toDraft(p: PriceOverride): OverrideDraft {
  const str = (n: number | undefined): string => (n === undefined ? '' : String(n))
  return {
    model: p.model,
    input: str(p.input),
    output: str(p.output),
    cacheRead: str(p.cacheRead),
    cacheWrite: str(p.cacheWrite),
    cacheWrite1h: str(p.cacheWrite1h),
  }
}

/** Checks the drafts; returns the overrides or the first problem. */
function fromDrafts(rows: OverrideDraft[]): PriceOverride[] | string {
  const out: PriceOverride[] = []
  for (const r of rows) {
    const model = r.model.trim()
    if (model === '') return 'Every price override needs a model name.'
    const vals = {
      input: num(r.input),
      output: num(r.output),
      cacheRead: num(r.cacheRead),
      cacheWrite: num(r.cacheWrite),
      cacheWrite1h: num(r.cacheWrite1h),
    }
    if (vals.input === undefined || vals.output === undefined) return `${model}: input and output prices are required.`
    if (Object.values(vals).some((v) => v !== undefined && (!Number.isFinite(v) || v < 0)))
      return `${model}: prices must be numbers of at least 0.`
    const p: PriceOverride = { model, input: vals.input, output: vals.output }
    if (vals.cacheRead !== undefined) p.cacheRead = vals.cacheRead
    if (vals.cacheWrite !== undefined) p.cacheWrite = vals.cacheWrite
    if (vals.cacheWrite1h !== undefined) p.cacheWrite1h = vals.cacheWrite1h
    out.push(p)
  }
  return out
}

/** What the user has edited; a field left out shows (and keeps) the current setting. */
interface Drafts {
  timeZone?: string
  budget?: string
  overrides?: OverrideDraft[]
  budgets?: BudgetDraft[]
  weekStart?: string
  launchAtLogin?: boolean
  paused?: boolean
  teamUrl?: string
  teamProjects?: TeamProjects
  machinesFolder?: string
  otlpEnabled?: boolean
  otlpPort?: string
}

const sameOverrides = (a: readonly PriceOverride[], b: readonly PriceOverride[]): boolean => JSON.stringify(a) === JSON.stringify(b)

/**
 * Time zone, budget, price overrides and switches, saved through setSettings; extra log folders
 * (which apply at once) below them. Save sends only the fields the user changed, compared with
 * the settings as they are now, so a pause made from the tray meanwhile is never undone.
 */
export function SettingsView({
  api,
  transport,
  settings,
  models,
  onSaved,
  tick,
}: {
  api: AppApi
  transport: Transport
  /** Moves with change events (this machine's name is reloaded on it). */
  tick?: number
  /** The current settings, refetched on every change event. */
  settings: Settings
  models: readonly string[]
  onSaved: (s: Settings) => void
}): JSX.Element {
  const [drafts, setDrafts] = useState<Drafts>({})
  const [status, setStatus] = useState<{ ok: boolean; text: string }>()
  const [saving, setSaving] = useState(false)
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), [])
  const edit = (patch: Drafts): void => setDrafts((d) => ({ ...d, ...patch }))

  const tz = drafts.timeZone ?? settings.timeZone
  const budget = drafts.budget ?? (settings.dailyBudgetUsd === null ? '' : String(settings.dailyBudgetUsd))
  const overrides = drafts.overrides ?? settings.priceOverrides.map(toDraft)
  const budgets = drafts.budgets ?? settings.budgets.map(toBudgetDraft)
  const weekStart = drafts.weekStart ?? (settings.weekStart === null ? '' : String(settings.weekStart))
  const launchAtLogin = drafts.launchAtLogin ?? settings.launchAtLogin
  const paused = drafts.paused ?? settings.paused
  const teamUrl = drafts.teamUrl ?? settings.teamUrl
  const teamProjects = drafts.teamProjects ?? settings.teamProjects
  const machinesFolder = drafts.machinesFolder ?? settings.machinesFolder
  const otlpEnabled = drafts.otlpEnabled ?? settings.otlpEnabled
  const otlpPort = drafts.otlpPort ?? String(settings.otlpPort)

  /** The changed fields as a patch, or the first problem with them. */
  const changes = (): Partial<Settings> | string => {
    const patch: Partial<Settings> = {}
    if (drafts.timeZone !== undefined) {
      const zone = drafts.timeZone.trim()
      if (zone !== '' && !isValidTimeZone(zone)) return `Unknown time zone "${zone}".`
      if (zone !== settings.timeZone) patch.timeZone = zone
    }
    if (drafts.budget !== undefined) {
      const b = num(drafts.budget)
      if (b !== undefined && (!Number.isFinite(b) || b < 0)) return 'The daily budget must be a number of at least 0.'
      if (b !== undefined && b > 1_000_000) return `A daily budget of $${b} is more than $1,000,000; check the amount.`
      if ((b ?? null) !== settings.dailyBudgetUsd) patch.dailyBudgetUsd = b ?? null
    }
    if (drafts.overrides !== undefined) {
      const priceOverrides = fromDrafts(drafts.overrides)
      if (typeof priceOverrides === 'string') return priceOverrides
      if (!sameOverrides(priceOverrides, settings.priceOverrides)) patch.priceOverrides = priceOverrides
    }
    if (drafts.budgets !== undefined) {
      const list = fromBudgetDrafts(drafts.budgets)
      if (typeof list === 'string') return list
      if (JSON.stringify(list) !== JSON.stringify(settings.budgets)) patch.budgets = list
    }
    if (drafts.weekStart !== undefined) {
      const w = drafts.weekStart === '' ? null : Number(drafts.weekStart)
      if (w !== settings.weekStart) patch.weekStart = w
    }
    if (drafts.launchAtLogin !== undefined && drafts.launchAtLogin !== settings.launchAtLogin) patch.launchAtLogin = drafts.launchAtLogin
    if (drafts.paused !== undefined && drafts.paused !== settings.paused) patch.paused = drafts.paused
    if (drafts.teamUrl !== undefined) {
      const url = drafts.teamUrl.trim()
      if (url !== '' && !/^postgres(ql)?:\/\/[^/]/.test(url)) return 'The team database must be a postgres:// URL (or empty for none).'
      if (url !== settings.teamUrl) patch.teamUrl = url
    }
    if (drafts.teamProjects !== undefined && drafts.teamProjects !== settings.teamProjects) patch.teamProjects = drafts.teamProjects
    if (drafts.machinesFolder !== undefined) {
      const dir = drafts.machinesFolder.trim()
      if (dir !== settings.machinesFolder) patch.machinesFolder = dir
    }
    if (drafts.otlpEnabled !== undefined && drafts.otlpEnabled !== settings.otlpEnabled) patch.otlpEnabled = drafts.otlpEnabled
    if (drafts.otlpPort !== undefined) {
      const port = Number(drafts.otlpPort)
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        return 'The OpenTelemetry port must be a whole number from 0 to 65535 (0: any free port).'
      if (port !== settings.otlpPort) patch.otlpPort = port
    }
    return patch
  }

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    const patch = changes()
    if (typeof patch === 'string') return setStatus({ ok: false, text: patch })
    if (Object.keys(patch).length === 0) {
      setDrafts({})
      return setStatus({ ok: true, text: 'Nothing to save: no setting changed.' })
    }
    setSaving(true)
    try {
      const saved = await api.setSettings(patch)
      setDrafts({})
      onSaved(saved)
      setStatus({ ok: true, text: 'Saved.' })
    } catch (err) {
      setStatus({ ok: false, text: err instanceof Error ? err.message : String(err) })
    } finally {
      setSaving(false)
    }
  }

  return (
    <form className="card settings" onSubmit={(e) => void submit(e)} data-testid="settings" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <label>
        Time zone for days and hours
        <input
          list="time-zones"
          value={tz}
          placeholder={`System (${systemTimeZone()})`}
          onChange={(e) => edit({ timeZone: e.target.value })}
          data-testid="settings-tz"
        />
        <datalist id="time-zones">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
        <span className="help">Leave empty to follow this computer ({systemTimeZone()}).</span>
      </label>
      <label>
        Daily budget (USD)
        <input
          type="number"
          inputMode="decimal"
          min={0}
          step="any"
          value={budget}
          placeholder="No budget"
          onChange={(e) => edit({ budget: e.target.value })}
          data-testid="settings-budget"
        />
      </label>
      <BudgetsEditor rows={budgets} onChange={(rows) => edit({ budgets: rows })} />
      <label>
        Weeks start on
        <select value={weekStart} onChange={(e) => edit({ weekStart: e.target.value })} data-testid="settings-week-start">
          <option value="">The locale&apos;s first day</option>
          {['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'].map((d, i) => (
            <option key={d} value={String(i + 1)}>
              {d}
            </option>
          ))}
        </select>
      </label>
      <PriceOverridesEditor rows={overrides} onChange={(rows) => edit({ overrides: rows })} models={models} />
      {transport === 'desktop' && (
        <label className="check">
          <input
            type="checkbox"
            checked={launchAtLogin}
            onChange={(e) => edit({ launchAtLogin: e.target.checked })}
            data-testid="settings-login"
          />{' '}
          Launch at login
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={paused} onChange={(e) => edit({ paused: e.target.checked })} data-testid="settings-paused" /> Pause
        watching logs
      </label>
      <h3 className="settings-subtitle">
        Team and my machines <span className="help">only quarter-hour totals leave this machine, never transcripts</span>
      </h3>
      {tick !== undefined && <MachineName api={api} tick={tick} />}
      <label>
        Team database (PostgreSQL)
        <input
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={teamUrl}
          placeholder="postgres://user@host:5432/team?sslmode=verify-full"
          onChange={(e) => edit({ teamUrl: e.target.value })}
          data-testid="settings-team-url"
        />
        <span className="help">
          Kept current while Token Watch runs (after each change, retried while the server is down). Empty: no team sync.
        </span>
      </label>
      <label>
        My machines folder
        <input
          type="text"
          value={machinesFolder}
          placeholder="A folder Syncthing, Dropbox or iCloud Drive mirrors"
          onChange={(e) => edit({ machinesFolder: e.target.value })}
          data-testid="settings-machines-folder"
        />
        {transport === 'desktop' && (
          <button
            type="button"
            data-testid="settings-machines-folder-pick"
            onClick={() => {
              void api.pickMachinesFolder().then(
                (r) => {
                  if (r.ok) {
                    setDrafts((d) => ({ ...d, machinesFolder: undefined }))
                    onSaved(r.settings)
                    setStatus({ ok: true, text: `My machines folder: ${r.path}` })
                  } else if (!r.cancelled) setStatus({ ok: false, text: r.error })
                },
                (err: unknown) => setStatus({ ok: false, text: err instanceof Error ? err.message : String(err) }),
              )
            }}
          >
            Choose…
          </button>
        )}
        <span className="help">
          This machine writes its totals there; the dashboard&apos;s My machines view (and tokenwatch report --folder) shows all your
          machines.
        </span>
      </label>
      <label>
        Projects leave as
        <select
          value={teamProjects}
          onChange={(e) => edit({ teamProjects: e.target.value as TeamProjects })}
          data-testid="settings-team-projects"
        >
          <option value="basename">Folder name (app)</option>
          <option value="as-is">Full path (/home/ana/src/app)</option>
          <option value="hashed">Hash of the path</option>
        </select>
      </label>
      <h3 className="settings-subtitle">
        Connect an agent <span className="help">OpenTelemetry: usage with no log on this disk (CI, containers, your own apps)</span>
      </h3>
      <label className="check">
        <input
          type="checkbox"
          checked={otlpEnabled}
          onChange={(e) => edit({ otlpEnabled: e.target.checked })}
          data-testid="settings-otlp"
        />{' '}
        Receive OpenTelemetry on 127.0.0.1:4318
      </label>
      <label>
        Port when 4318 is taken
        <input
          type="number"
          min={0}
          max={65535}
          step={1}
          value={otlpPort}
          onChange={(e) => edit({ otlpPort: e.target.value })}
          data-testid="settings-otlp-port"
        />
        <span className="help">Another collector often holds 4318; 0 picks any free port (shown below).</span>
      </label>
      <ConnectAgent api={api} enabled={settings.otlpEnabled} />
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving} data-testid="settings-save">
          {saving ? 'Saving…' : 'Save settings'}
        </button>
        {status !== undefined && (
          <span role="status" className={status.ok ? 'ok-text' : 'error-text'} data-testid="settings-status">
            {status.text}
          </span>
        )}
      </div>
      <h3 className="settings-subtitle">
        Log folders <span className="help">changes apply at once</span>
      </h3>
      <LogFolders api={api} transport={transport} settings={settings} onSaved={onSaved} />
    </form>
  )
}
