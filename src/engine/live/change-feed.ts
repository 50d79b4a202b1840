import type { ChangeEvent } from '../../shared/contract'

/**
 * The engine's change events: commits close together become one event after a short quiet
 * spell; a settings change or a re-cost is announced at once. Every transport (IPC, HTTP + SSE)
 * subscribes here, so they all hear the same events.
 */
export class ChangeFeed {
  private readonly listeners = new Set<(e: ChangeEvent) => void>()
  private pending = false
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly debounceMs = 30) {}

  /** Subscribes; returns the unsubscribe function. */
  subscribe(listener: (e: ChangeEvent) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** A commit changed stored figures: one event follows after the quiet spell. */
  changed(): void {
    this.pending = true
    this.timer ??= setTimeout(() => this.flush(), this.debounceMs)
  }

  /** Every figure may have moved (a re-cost): announced now. */
  changedAll(): void {
    this.pending = true
    this.flush()
  }

  /** The settings changed: open forms reload them. */
  settingsChanged(): void {
    this.emit({ at: Date.now(), settings: true })
  }

  /** Sends a pending event now (stop() calls it, so nothing committed goes unannounced). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (!this.pending) return
    this.pending = false
    this.emit({ at: Date.now() })
  }

  private emit(e: ChangeEvent): void {
    for (const l of this.listeners) l(e)
  }
}
