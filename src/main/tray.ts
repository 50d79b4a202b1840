/**
 * The tray: today's spend as the badge (a title on macOS, drawn into the icon elsewhere), a
 * tooltip, and the menu. Refreshed on the engine's change events (throttled) and at local midnight.
 */
import type { AppApi, BudgetStatus, Settings, TodaySpend } from '../shared/contract'
import { nextDay, startOfLocalDay, viewerTimeZone as zoneRule } from '../shared/time-zone'
import { mostUrgent } from '../shared/budget'
import type { BudgetState, BudgetWatch } from './budget'
import { formatCount, formatTokens, formatUsd } from './format'
import { badgeImage, badgeText, type TrayIconElectron, type TrayImage } from './tray-icon'

/** A menu item as this module builds it; a subset of electron's MenuItemConstructorOptions. */
export interface TrayMenuItem {
  label?: string
  type?: 'normal' | 'separator'
  enabled?: boolean
  click?: () => void
}

/** What the tray's menu items do; the app wires them. */
export interface TrayActions {
  openDashboard(): void
  togglePause(): void
  exportCsv(): void
  quit(): void
}

/** Everything the tray shows for one figure. */
export interface TrayView {
  /** macOS: the text beside the icon. Undefined elsewhere (those trays have no text). */
  title: string | undefined
  tooltip: string
  state: BudgetState
  /** Share of the most urgent budget spent, or undefined without a budget. */
  fraction: number | undefined
  menu: TrayMenuItem[]
}

/** How many models the menu lists. */
export const TOP_MODELS = 3

/** How many budgets the menu and tooltip list (most urgent first). */
export const TOP_BUDGETS = 3

const info = (label: string): TrayMenuItem => ({ label, enabled: false })
const SEPARATOR: TrayMenuItem = { type: 'separator' }

/** The tray's content for today's figure. Pure: the same input always gives the same view. */
export function trayView(
  today: TodaySpend,
  opts: { budgets: BudgetStatus[]; paused: boolean; platform: NodeJS.Platform; actions: TrayActions; locale?: string },
): TrayView {
  const state: BudgetState = mostUrgent(opts.budgets.map((b) => b.level))
  const { locale } = opts
  const usd = (n: number): string => formatUsd(n, locale)
  const tok = (n: number): string => formatTokens(n, locale)
  const amount = usd(today.costUsd)
  const tokens = `${tok(today.tokens)} tokens · ${formatCount(today.requests, locale)} ${today.requests === 1 ? 'request' : 'requests'}`
  // Statuses come most urgent first: the icon's bar shows that one.
  const top = opts.budgets[0]
  const fraction = top === undefined || top.budget.amountUsd <= 0 ? undefined : top.fraction
  const budgetLines = opts.budgets.slice(0, TOP_BUDGETS).map((b) => {
    const label = b.budget.id === 'daily' ? 'Budget' : b.budget.name
    return `${label}: ${b.budget.amountUsd <= 0 ? usd(b.budget.amountUsd) : `${formatCount(Math.round(b.fraction * 100), locale)}% of ${usd(b.budget.amountUsd)}`}`
  })
  const unpriced = today.unpricedTokens > 0 ? `${tok(today.unpricedTokens)} tokens unpriced` : undefined

  const models = today.topModels.slice(0, TOP_MODELS)
  const menu: TrayMenuItem[] = [
    info(`Today: ${amount}`),
    info(tokens),
    ...budgetLines.map(info),
    ...(unpriced ? [info(unpriced)] : []),
    SEPARATOR,
    ...(models.length === 0
      ? [info('No usage yet today')]
      : [info('Top models today'), ...models.map((m) => info(`${m.model}  ${usd(m.costUsd)} · ${tok(m.tokens)}`))]),
    SEPARATOR,
    { label: 'Open dashboard', click: opts.actions.openDashboard },
    { label: opts.paused ? 'Resume watching' : 'Pause watching', click: opts.actions.togglePause },
    { label: 'Export CSV...', click: opts.actions.exportCsv },
    SEPARATOR,
    { label: 'Quit Token Watch', click: opts.actions.quit },
  ]
  const tooltip = [
    'Token Watch',
    `Today ${amount} · ${tok(today.tokens)} tokens`,
    ...budgetLines,
    ...(unpriced ? [unpriced] : []),
    ...(opts.paused ? ['Watching paused'] : []),
  ].join('\n')
  return { title: opts.platform === 'darwin' ? amount : undefined, tooltip, state, fraction, menu }
}

/** The tray object as this module uses it; electron's Tray satisfies it. */
export interface TrayLike {
  setImage(image: TrayImage | string): void
  setTitle(title: string, options?: { fontType?: 'monospaced' | 'monospacedDigit' }): void
  setToolTip(toolTip: string): void
  setContextMenu(menu: object | null): void
  on(event: 'click', listener: () => void): unknown
  destroy(): void
}

/** The slice of electron this module uses. */
export interface TrayElectron extends TrayIconElectron {
  /** Built from the icon's path: macOS treats a `*Template.png` file as a template image. */
  Tray: new (iconPath: string) => TrayLike
  Menu: { buildFromTemplate(template: TrayMenuItem[]): object }
}

/** What the tray reads: the contract, as every other view does. */
export type TrayApi = Pick<AppApi, 'todaySpend' | 'budgets' | 'getSettings' | 'onChange'>

export interface TrayDeps {
  electron: TrayElectron
  api: TrayApi
  platform: NodeJS.Platform
  /** macOS template icon (black + alpha; `@2x` beside it is picked up). */
  templateIconPath: string
  budget: BudgetWatch
  actions: TrayActions
  /** The app's locale (electron's `app.getLocale()`), for amounts and token counts. */
  locale?: string
  /** Longest wait between a change event and the badge showing it (ms). */
  throttleMs?: number
  now?: () => number
  log?: (message: string) => void
}

export interface TrayHandle {
  readonly tray: TrayLike
  /**
   * Recomputes today's figure and updates the tray; resolves to what it shows. Refreshes run one
   * at a time: one asked for during another runs after it, so the last figure always wins.
   */
  refresh(): Promise<TrayView>
  /** Stops listening and removes the tray icon. */
  dispose(): void
}

/** The UTC instant the local day after `day` (YYYY-MM-DD) begins in `tz`. */
export function nextLocalMidnight(tz: string, day: string): number {
  return startOfLocalDay(nextDay(day), tz)
}

/** The zone days are counted in: the setting, else the system's. */
export function viewerTimeZone(settings: Pick<Settings, 'timeZone'>): string {
  return zoneRule(settings.timeZone).tz
}

/** Creates the tray, shows today's figure, and keeps it current. */
export function setupTray(deps: TrayDeps): TrayHandle {
  const { electron, api, platform } = deps
  const now = deps.now ?? Date.now
  const throttleMs = deps.throttleMs ?? 250
  const mac = platform === 'darwin'
  const template = electron.nativeImage.createFromPath(deps.templateIconPath)
  template.setTemplateImage(true)
  const tray = new electron.Tray(deps.templateIconPath)
  if (platform === 'win32') tray.on('click', deps.actions.openDashboard)

  let shownIcon = ''
  let pending: NodeJS.Timeout | undefined
  let midnight: NodeJS.Timeout | undefined
  let disposed = false

  const setIcon = (view: TrayView, costUsd: number): void => {
    // Redraw only when the picture changes: Linux trays write every new image to a temp file.
    const fraction = view.fraction === undefined ? undefined : Math.min(1, Math.round(view.fraction * 28) / 28)
    const key = mac ? `mac|${view.state}|${fraction}` : `${badgeText(costUsd, 16)}|${badgeText(costUsd, 32)}|${view.state}|${fraction}`
    if (key === shownIcon) return
    shownIcon = key
    if (mac && view.state === 'none') tray.setImage(template)
    else tray.setImage(badgeImage(electron, { costUsd, state: view.state, ...(fraction === undefined ? {} : { fraction }), blank: mac }))
  }

  const scheduleMidnight = (tz: string, day: string): void => {
    if (midnight) clearTimeout(midnight)
    // A little past midnight so the new day has surely begun; setTimeout caps at ~24.8 days.
    const delay = Math.min(2 ** 31 - 1, Math.max(0, nextLocalMidnight(tz, day) - now()) + 100)
    midnight = setTimeout(refreshLogged, delay)
    midnight.unref?.()
  }

  const show = async (): Promise<TrayView> => {
    const settings = await api.getSettings()
    const tz = viewerTimeZone(settings)
    const at = now()
    const [today, budgets] = await Promise.all([api.todaySpend({ tz, at }), api.budgets({ tz, at })])
    deps.budget.notifyDue(budgets, at)
    const view = trayView(today, {
      budgets,
      paused: settings.paused,
      platform,
      actions: deps.actions,
      ...(deps.locale ? { locale: deps.locale } : {}),
    })
    if (disposed) return view
    setIcon(view, today.costUsd)
    if (view.title !== undefined) tray.setTitle(view.title, { fontType: 'monospacedDigit' })
    tray.setToolTip(view.tooltip)
    tray.setContextMenu(electron.Menu.buildFromTemplate(view.menu))
    scheduleMidnight(tz, today.day)
    return view
  }
  const refreshLogged = (): void => {
    handle.refresh().catch((err: Error) => deps.log?.(`tray refresh failed: ${err.message}`))
  }

  // One refresh at a time; asked again meanwhile: once more after it, with the newest figures.
  let running: Promise<TrayView> | undefined
  let again: Promise<TrayView> | undefined
  const handle: TrayHandle = {
    tray,
    refresh() {
      if (!running) {
        running = show().finally(() => (running = undefined))
        return running
      }
      again ??= running
        .catch(() => undefined)
        .then(() => {
          again = undefined
          return handle.refresh()
        })
      return again
    },
    dispose() {
      disposed = true
      unsubscribe()
      if (pending) clearTimeout(pending)
      if (midnight) clearTimeout(midnight)
      tray.destroy()
    },
  }

  const unsubscribe = api.onChange(() => {
    if (pending || disposed) return
    pending = setTimeout(() => {
      pending = undefined
      if (!disposed) refreshLogged()
    }, throttleMs)
  })

  refreshLogged()
  return handle
}
