/**
 * The engine's OpenTelemetry receiver: OTLP/HTTP on 127.0.0.1:4318, else (4318 taken, usually by
 * a local Collector) on the port from settings; held token-metric usage flushed on a timer.
 */
import type { BatchResult, Coster } from '../ingest/apply-batch'
import { OtlpIngest } from '../otlp/ingest'
import { OTLP_DEFAULT_PORT, startOtlpReceiver, type OtlpReceiver } from '../otlp/receiver'
import type { HttpLimits } from '../http/limits'
import type { Store } from '../store/open-store'

/** How often held metric usage is looked at (ms). */
const FLUSH_EVERY_MS = 10_000

export interface OtlpListenerDeps {
  store: Store
  cost: Coster
  userId: string
  /** Whether an agent's logs are read here (then its token metrics would count twice). */
  logSourceActive: (agentId: string) => boolean
  onCommit: (r: BatchResult) => void
  /** After every commit of received records (usage or not): the per-service counts moved. */
  onReceived?: () => void
  log: (message: string) => void
  holdMs?: number
  limits?: Partial<HttpLimits>
}

/** Where the receiver listens; `fellBackFrom` when the default port was taken. */
export interface OtlpListening {
  url: string
  port: number
  fellBackFrom?: number
}

function inUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'EADDRINUSE'
}

export class OtlpListener {
  readonly ingest: OtlpIngest
  private receiver: OtlpReceiver | undefined
  private timer: NodeJS.Timeout | undefined
  listening: OtlpListening | undefined

  constructor(private readonly deps: OtlpListenerDeps) {
    this.ingest = new OtlpIngest({
      store: deps.store,
      cost: deps.cost,
      userId: deps.userId,
      logSourceActive: deps.logSourceActive,
      onCommit: deps.onCommit,
      ...(deps.onReceived ? { onReceived: deps.onReceived } : {}),
      ...(deps.holdMs !== undefined ? { holdMs: deps.holdMs } : {}),
    })
  }

  /**
   * Listens on `port` when one is given (an error if it is taken), else on 4318, else on
   * `fallbackPort` after saying 4318 is taken.
   */
  async open(opts: { port?: number; fallbackPort: number; defaultPort?: number }): Promise<OtlpListening> {
    const preferred = opts.defaultPort ?? OTLP_DEFAULT_PORT
    if (this.receiver) throw new Error('the OTLP receiver is already listening')
    const start = (port: number): Promise<OtlpReceiver> =>
      startOtlpReceiver({ ingest: this.ingest, port, ...(this.deps.limits ? { limits: this.deps.limits } : {}) })
    let fellBackFrom: number | undefined
    if (opts.port !== undefined) {
      try {
        this.receiver = await start(opts.port)
      } catch (err) {
        if (inUse(err)) throw new Error(`OTLP port ${opts.port} is taken: pick another with --otlp-port, or --no-otlp`)
        throw err
      }
    } else {
      try {
        this.receiver = await start(preferred)
      } catch (err) {
        if (!inUse(err) || opts.fallbackPort === preferred) throw err
        fellBackFrom = preferred
        try {
          this.receiver = await start(opts.fallbackPort)
        } catch (err2) {
          if (inUse(err2)) throw new Error(`OTLP ports ${preferred} and ${opts.fallbackPort} are both taken: set another port in Settings`)
          throw err2
        }
        this.deps.log(`OTLP port ${preferred} is taken (another collector?): receiving on ${this.receiver.url} instead; point agents there`)
      }
    }
    this.listening = { url: this.receiver.url, port: this.receiver.port, ...(fellBackFrom !== undefined ? { fellBackFrom } : {}) }
    // Metric usage held from a previous run is due now, and new holds every so often.
    this.flush()
    this.timer = setInterval(() => this.flush(), FLUSH_EVERY_MS)
    this.timer.unref()
    return this.listening
  }

  private flush(): void {
    try {
      this.ingest.flushHeld()
    } catch (err) {
      // Held rows stay held: the next flush tries again.
      this.deps.log(`OTLP: could not store held metric usage: ${(err as Error).message}`)
    }
  }

  /** Stops listening; held metric usage stays in the store for the next run. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    await this.receiver?.close()
    this.receiver = undefined
    this.listening = undefined
  }
}
