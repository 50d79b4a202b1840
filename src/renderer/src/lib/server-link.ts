/**
 * Whether the headless server still answers this page (docs/DASHBOARD.md, "A stopped server").
 * Every HTTP call and the event stream report here; while the server is away the link probes it
 * every few seconds, and when it answers again every view refetches. A server that answers 401
 * has restarted with a new access link: then only a new link helps, and the page says so.
 */

export type LinkState =
  | { kind: 'live' }
  /** The server stopped answering at `since` (epoch ms): the figures on screen are from then. */
  | { kind: 'lost'; since: number }
  /** The server answers but no longer knows this page (restarted: a new token or session). */
  | { kind: 'signed-out' }

export type ProbeResult = 'ok' | 'unauthorized' | 'down'

export class ServerLink {
  private current: LinkState = { kind: 'live' }
  private readonly listeners = new Set<(s: LinkState) => void>()
  private readonly revivers = new Set<() => void>()
  private timer: ReturnType<typeof setTimeout> | undefined

  /** `probe` asks the server one cheap question; `intervalMs` is the wait between probes. */
  constructor(
    private readonly probe: () => Promise<ProbeResult>,
    private readonly intervalMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): LinkState {
    return this.current
  }

  /** Calls `l` on every change of state; returns the unsubscribe. */
  subscribe(l: (s: LinkState) => void): () => void {
    this.listeners.add(l)
    return () => this.listeners.delete(l)
  }

  /** `r` runs when the server answers again (reopen streams, refetch). */
  onRevive(r: () => void): () => void {
    this.revivers.add(r)
    return () => this.revivers.delete(r)
  }

  /** A call got its answer. */
  reachable(): void {
    if (this.current.kind === 'live') return
    const was = this.current.kind
    this.stopProbing()
    this.set({ kind: 'live' })
    if (was === 'lost') for (const r of this.revivers) r()
  }

  /** A call or the stream could not reach the server. */
  unreachable(): void {
    if (this.current.kind !== 'live') return
    this.set({ kind: 'lost', since: this.now() })
    this.schedule()
  }

  /** The server refused this page's credentials. */
  unauthorized(): void {
    this.stopProbing()
    if (this.current.kind !== 'signed-out') this.set({ kind: 'signed-out' })
  }

  private set(s: LinkState): void {
    this.current = s
    for (const l of this.listeners) l(s)
  }

  private schedule(): void {
    this.stopProbing()
    this.timer = setTimeout(() => {
      this.timer = undefined
      void this.probe().then((r) => {
        if (this.current.kind !== 'lost') return
        if (r === 'ok') this.reachable()
        else if (r === 'unauthorized') this.unauthorized()
        else this.schedule()
      })
    }, this.intervalMs)
  }

  private stopProbing(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }
}
