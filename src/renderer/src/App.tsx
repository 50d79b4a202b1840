import { type JSX, useCallback, useEffect, useMemo, useState } from 'react'
import { DATA_SCOPES, type DataScope, type Settings } from '../../shared/contract'
import type { Connection } from './api'
import { ConnectionNotice } from './components/ConnectionNotice'
import { DashboardView } from './components/DashboardView'
import { DataSourceSwitch } from './components/DataSourceSwitch'
import { FilterBar } from './components/FilterBar'
import { FirstRun } from './components/FirstRun'
import { Header, type Tab } from './components/Header'
import { RangePicker } from './components/RangePicker'
import { SessionsView } from './components/SessionsView'
import { SettingsView } from './components/SettingsView'
import { SourcesPanel } from './components/SourcesPanel'
import { SpendView } from './components/SpendView'
import { StateMessage } from './components/StateMessage'
import { TodaySpend } from './components/TodaySpend'
import { defaultCustom, resolveRange } from './lib/range'
import { useAsync } from './lib/use-async'
import { useLiveTick } from './lib/use-live-tick'
import { NO_FILTERS, usageFilter, type ViewState } from './lib/view-state'
import { readUrlState, writeUrlState } from './lib/url-state'
import { describeTimeZone, systemTimeZone, viewerTimeZone } from '../../shared/time-zone'

/** The clock the ranges are relative to: moves each minute and whenever usage changes. */
function useNow(tick: number): number {
  const [now, setNow] = useState(() => Date.now())
  useEffect(() => setNow(Date.now()), [tick])
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 60_000)
    return () => clearInterval(t)
  }, [])
  return now
}

/** The view a bare address opens: the last 24 hours, tokens by model, no filters. */
function defaultView(): ViewState {
  return { range: { preset: '24h', ...defaultCustom(Date.now(), systemTimeZone()) }, filters: NO_FILTERS, metric: 'tokens', split: 'model' }
}

/** The whole app: settings and time zone, the view state, and which view is shown. */
export function App({ conn }: { conn: Connection }): JSX.Element {
  const { api, transport } = conn
  const localTick = useLiveTick(api)
  // Whose data the dashboard and sessions show: this machine, my machines (the synced folder) or
  // the team database, as the connection offers them (a server over the team database: the team).
  const sources = useAsync(`sources#${localTick}`, () => api.dataSources())
  // In the address too (`data=team`), so a shared team link opens the team.
  const [chosen, setChosen] = useState<DataScope | undefined>(() => {
    const d = new URLSearchParams(window.location.search).get('data')
    return (DATA_SCOPES as readonly (string | null)[]).includes(d) ? (d as DataScope) : undefined
  })
  const scopeReady = sources.data !== undefined || sources.error !== undefined
  const scope: DataScope = sources.data?.find((s) => s.scope === chosen)?.scope ?? sources.data?.[0]?.scope ?? 'local'
  const dataApi = useMemo(() => conn.scoped(scope), [conn, scope])
  // Change events of this machine (settings, its own usage) and of the scope shown (other machines' syncs).
  const dataTick = useLiveTick(dataApi)
  const tick = localTick + (dataApi === api ? 0 : dataTick)
  const now = useNow(tick)
  // The view lives in the address (web and desktop alike), so a view can be bookmarked and reloads keep it.
  const [initial] = useState(() => readUrlState(window.location.search, defaultView()))
  const [tab, setTab] = useState<Tab>(initial.tab)
  const [reload, setReload] = useState(0)
  // Refetched on every change event: the tray (or another tab) may have changed a setting, and a
  // form showing stale values would undo that change on its next save.
  const loaded = useAsync(`settings#${tick}`, () => api.getSettings())
  const [saved, setSaved] = useState<Settings>()
  useEffect(() => {
    if (loaded.data !== undefined) setSaved(loaded.data)
  }, [loaded.data])
  const settings = saved ?? loaded.data
  // One rule everywhere (app, tray, CLI): the Settings zone when set, else the system's (here: the browser's).
  const zone = viewerTimeZone(settings?.timeZone ?? '')
  const tz = zone.tz
  const dims = useAsync(scopeReady ? `dims#${scope}#${tick}#${reload}` : null, () => dataApi.dimensions())
  const unpricedModels = dims.data?.unpricedModels ?? []
  const [view, setView] = useState<ViewState>(initial.view)
  useEffect(() => {
    const keep = new URLSearchParams(window.location.search)
    keep.delete('data')
    if (chosen !== undefined && chosen !== sources.data?.[0]?.scope) keep.set('data', chosen)
    const search = writeUrlState(view, tab, defaultView(), keep.toString())
    if (search !== window.location.search)
      window.history.replaceState(window.history.state, '', `${window.location.pathname}${search}${window.location.hash}`)
  }, [view, tab, chosen, sources.data])
  const firstTs = dims.data?.firstTs ?? null
  const lastTs = dims.data?.lastTs ?? null
  const range = useMemo(() => resolveRange(view.range, now, tz, { firstTs, lastTs }), [view.range, now, tz, firstTs, lastTs])
  // First run: decided by the first answer (an empty store), and kept until the first full
  // backfill has finished, not just until its first batch lands.
  const [firstRun, setFirstRun] = useState<'unknown' | 'active' | 'done'>('unknown')
  // First run is this machine's first backfill: other machines' data never starts it.
  const local = scope === 'local'
  useEffect(() => {
    if (firstRun === 'unknown' && dims.data !== undefined) setFirstRun(local && dims.data.firstTs === null ? 'active' : 'done')
  }, [firstRun, dims.data, local])
  const onScope = useCallback((next: DataScope) => {
    setChosen(next)
    // Machine names belong to the data they came from.
    setView((v) => ({ ...v, filters: { ...v.filters, machines: [] } }))
  }, [])
  const onFinished = useCallback(() => {
    setFirstRun('done')
    setReload((r) => r + 1)
  }, [])

  const settingsReady = settings !== undefined || loaded.error !== undefined
  const empty = local && dims.data !== undefined && dims.data.firstTs === null
  const welcome = firstRun === 'active' || empty
  const dataTab = (tab === 'dashboard' || tab === 'sessions') && !welcome
  const showControls = dataTab && dims.data !== undefined
  // The header's Today follows the data the tab shows: the chosen scope on Dashboard and Sessions,
  // this machine on Spend, Sources and Settings (always this machine's).
  const headerScope = !local && (tab === 'dashboard' || tab === 'sessions')
  const scopeLabel = sources.data?.find((s) => s.scope === scope)?.label ?? (scope === 'team' ? 'Team' : 'My machines')

  let content: JSX.Element
  if (tab === 'settings') {
    content =
      settings === undefined ? (
        <StateMessage
          kind={loaded.error === undefined ? 'loading' : 'error'}
          title={loaded.error === undefined ? 'Loading settings…' : 'Could not load settings'}
        >
          {loaded.error}
        </StateMessage>
      ) : (
        <SettingsView
          api={api}
          transport={transport}
          settings={settings}
          models={dims.data?.models ?? []}
          onSaved={setSaved}
          tick={localTick}
        />
      )
  } else if (tab === 'spend') {
    content = <SpendView api={api} tz={tz} tick={tick} now={now} />
  } else if (tab === 'sources') {
    content = <SourcesPanel api={api} tick={tick} paused={settings?.paused === true} />
  } else if (welcome) {
    content = <FirstRun api={api} tick={tick} onFinished={onFinished} />
  } else if (!settingsReady || dims.data === undefined) {
    content =
      dims.error !== undefined ? (
        <StateMessage
          kind="error"
          title={
            local
              ? 'Could not reach the usage store'
              : `Could not read ${scope === 'team' ? 'the team database' : 'the my-machines folder'}`
          }
        >
          {dims.error}
        </StateMessage>
      ) : (
        <StateMessage kind="loading" title="Loading…" />
      )
  } else if (tab === 'sessions' && !local) {
    content = (
      <StateMessage kind="empty" title="Sessions stay on each machine">
        The {scope === 'team' ? 'team database' : 'my-machines folder'} holds quarter-hour totals per machine, user, agent, project and
        model, not sessions.
        {sources.data?.some((s) => s.scope === 'local') === true && ' Switch to This machine to see its sessions.'}
      </StateMessage>
    )
  } else if (tab === 'sessions') {
    // Keyed by scope: a view's loads are keyed by query, and another scope's answers differ for the same query.
    content = (
      <SessionsView
        key={scope}
        api={dataApi}
        filter={usageFilter(range, tz, view.filters)}
        tz={tz}
        tick={tick}
        unpricedModels={unpricedModels}
      />
    )
  } else {
    content = (
      <DashboardView
        key={scope}
        api={dataApi}
        transport={transport}
        tz={tz}
        view={view}
        onView={setView}
        range={range}
        dims={dims.data}
        tick={tick}
        sessionsHere={local}
      />
    )
  }

  return (
    <div className="app">
      <Header tab={tab} onTab={setTab}>
        {settingsReady &&
          (headerScope ? (
            // The data the tab shows is another scope's: so is today's figure, and it says whose (the daily budget is this machine's).
            <TodaySpend key={scope} api={dataApi} tz={tz} budget={null} tick={tick} whose={scopeLabel} />
          ) : (
            <TodaySpend key="local" api={api} tz={tz} budget={settings?.dailyBudgetUsd ?? null} tick={tick} />
          ))}
      </Header>
      <main>
        {loaded.error !== undefined && (
          <p className="notice notice-warn" role="alert">
            Settings could not be loaded ({loaded.error}); showing times in {tz}.
          </p>
        )}
        {conn.link !== undefined && <ConnectionNotice link={conn.link} tz={tz} />}
        {settings?.paused === true && (
          <p className="notice notice-warn" role="status" data-testid="paused-notice">
            <strong>Watching is paused:</strong> new usage in the agents&apos; logs is not read, so these figures stop at the pause. Pushed
            events still arrive. Resume in Settings or from the tray menu; what was written meanwhile is read then.
          </p>
        )}
        {dataTab && (showControls || sources.data !== undefined) && (
          <div className="controls">
            {/* Shown even when the chosen source cannot be read, so one can switch back. */}
            {sources.data !== undefined && <DataSourceSwitch sources={sources.data} value={scope} onChange={onScope} />}
            {showControls && (
              <>
                <RangePicker value={view.range} onChange={(r) => setView({ ...view, range: r })} />
                <FilterBar
                  dims={dims.data}
                  filters={view.filters}
                  onChange={(filters) => setView({ ...view, filters })}
                  unpricedModels={unpricedModels}
                />
                <span className="tz-note muted" data-testid="tz-note">
                  Times in {describeTimeZone(zone)}
                </span>
              </>
            )}
          </div>
        )}
        {content}
      </main>
    </div>
  )
}
