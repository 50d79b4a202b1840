import { type FormEvent, type JSX, useMemo, useState } from 'react'
import type { AppApi, PriceOverride, Settings } from '../../../shared/contract'
import type { Transport } from '../api'
import { isValidTimeZone, systemTimeZone } from '../lib/zoned-time'
import { PriceOverridesEditor, type OverrideDraft } from './PriceOverridesEditor'

const lines = (s: string): string[] => s.split('\n').map((l) => l.trim()).filter((l) => l !== '')
const num = (s: string): number | undefined => (s.trim() === '' ? undefined : Number(s))

function toDraft(p: PriceOverride): OverrideDraft {
  const str = (n: number | undefined): string => (n === undefined ? '' : String(n))
  return { model: p.model, input: str(p.input), output: str(p.output), cacheRead: str(p.cacheRead), cacheWrite: str(p.cacheWrite), cacheWrite1h: str(p.cacheWrite1h) }
}

/** Checks the drafts; returns the overrides or the first problem. */
function fromDrafts(rows: OverrideDraft[]): PriceOverride[] | string {
  const out: PriceOverride[] = []
  for (const r of rows) {
    const model = r.model.trim()
    if (model === '') return 'Every price override needs a model name.'
    const vals = { input: num(r.input), output: num(r.output), cacheRead: num(r.cacheRead), cacheWrite: num(r.cacheWrite), cacheWrite1h: num(r.cacheWrite1h) }
    if (vals.input === undefined || vals.output === undefined) return `${model}: input and output prices are required.`
    if (Object.values(vals).some((v) => v !== undefined && (!Number.isFinite(v) || v < 0))) return `${model}: prices must be numbers of at least 0.`
    const p: PriceOverride = { model, input: vals.input, output: vals.output }
    if (vals.cacheRead !== undefined) p.cacheRead = vals.cacheRead
    if (vals.cacheWrite !== undefined) p.cacheWrite = vals.cacheWrite
    if (vals.cacheWrite1h !== undefined) p.cacheWrite1h = vals.cacheWrite1h
    out.push(p)
  }
  return out
}

/** Time zone, budget, extra log folders and price overrides, saved through setSettings. */
export function SettingsView({ api, transport, settings, models, onSaved }: {
  api: AppApi
  transport: Transport
  settings: Settings
  models: readonly string[]
  onSaved: (s: Settings) => void
}): JSX.Element {
  const [tz, setTz] = useState(settings.timeZone)
  const [budget, setBudget] = useState(settings.dailyBudgetUsd === null ? '' : String(settings.dailyBudgetUsd))
  const [claudeDirs, setClaudeDirs] = useState(settings.claudeConfigDirs.join('\n'))
  const [codexHomes, setCodexHomes] = useState(settings.codexHomes.join('\n'))
  const [overrides, setOverrides] = useState(settings.priceOverrides.map(toDraft))
  const [launchAtLogin, setLaunchAtLogin] = useState(settings.launchAtLogin)
  const [paused, setPaused] = useState(settings.paused)
  const [status, setStatus] = useState<{ ok: boolean; text: string }>()
  const [saving, setSaving] = useState(false)
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), [])

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault()
    const zone = tz.trim()
    if (zone !== '' && !isValidTimeZone(zone)) return setStatus({ ok: false, text: `Unknown time zone "${zone}".` })
    const b = num(budget)
    if (b !== undefined && (!Number.isFinite(b) || b < 0)) return setStatus({ ok: false, text: 'The daily budget must be a number of at least 0.' })
    const priceOverrides = fromDrafts(overrides)
    if (typeof priceOverrides === 'string') return setStatus({ ok: false, text: priceOverrides })
    setSaving(true)
    try {
      const saved = await api.setSettings({
        timeZone: zone, dailyBudgetUsd: b ?? null, claudeConfigDirs: lines(claudeDirs), codexHomes: lines(codexHomes), priceOverrides, launchAtLogin, paused,
      })
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
        <input list="time-zones" value={tz} placeholder={`System (${systemTimeZone()})`} onChange={(e) => setTz(e.target.value)} data-testid="settings-tz" />
        <datalist id="time-zones">{zones.map((z) => <option key={z} value={z} />)}</datalist>
        <span className="help">Leave empty to follow this computer ({systemTimeZone()}).</span>
      </label>
      <label>
        Daily budget (USD)
        <input type="number" inputMode="decimal" min={0} step="any" value={budget} placeholder="No budget" onChange={(e) => setBudget(e.target.value)} data-testid="settings-budget" />
      </label>
      <label>
        Extra Claude Code config folders <span className="help">one per line</span>
        <textarea rows={3} value={claudeDirs} onChange={(e) => setClaudeDirs(e.target.value)} spellCheck={false} />
      </label>
      <label>
        Extra Codex homes <span className="help">one per line</span>
        <textarea rows={3} value={codexHomes} onChange={(e) => setCodexHomes(e.target.value)} spellCheck={false} />
      </label>
      <PriceOverridesEditor rows={overrides} onChange={setOverrides} models={models} />
      {transport === 'desktop' && (
        <label className="check">
          <input type="checkbox" checked={launchAtLogin} onChange={(e) => setLaunchAtLogin(e.target.checked)} /> Launch at login
        </label>
      )}
      <label className="check">
        <input type="checkbox" checked={paused} onChange={(e) => setPaused(e.target.checked)} /> Pause watching logs
      </label>
      <div className="form-actions">
        <button type="submit" className="primary" disabled={saving} data-testid="settings-save">{saving ? 'Saving…' : 'Save settings'}</button>
        {status !== undefined && <span role="status" className={status.ok ? 'ok-text' : 'error-text'} data-testid="settings-status">{status.text}</span>}
      </div>
    </form>
  )
}
