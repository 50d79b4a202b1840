/** Typings for tokenwatch-client.mjs: the Token Watch socket client (docs/PROTOCOL.md). */

/** One usage report. Token buckets are exclusive: their sum is every token the request billed. */
export interface UsageReport {
  /** Makes the report idempotent: a repeated id (per agentId) is acknowledged and counted once. */
  id?: string
  /** ISO 8601 with a zone, or epoch milliseconds; default: when the app receives it. */
  ts?: string | number | Date
  /** Default: the user the app runs as. */
  userId?: string
  agentId: string
  project?: string
  sessionId?: string
  /** The full model string, e.g. `claude-opus-4-6`. */
  model: string
  /** Uncached input tokens. */
  input?: number
  output?: number
  cacheRead?: number
  /** All cache writes (5-minute and 1-hour). */
  cacheWrite?: number
  /** The 1-hour part of cacheWrite. */
  cacheWrite1h?: number
  /** Cost in USD when the sender already knows it; otherwise the app prices the tokens. */
  costUsd?: number
}

/** The reply to one report. */
export type Ack = { ok: true; id: string } | { ok: false; error: string; id?: string }

export interface ConnectOptions {
  /** Default: defaultSocketPath(). */
  socketPath?: string
  /** Connect timeout, ms (default 5000). */
  timeoutMs?: number
}

/** An open connection; sends may be pipelined (replies are matched in order). */
export interface TokenWatchClient {
  /** Sends one report; resolves with its reply, rejects only if the connection fails. */
  send(event: UsageReport): Promise<Ack>
  /** Replies still awaited. */
  readonly pending: number
  /** Waits for every reply owed, then closes. */
  close(): Promise<void>
}

/** Token Watch's data dir as the app computes it (TOKENWATCH_HOME wins). */
export function defaultDataDir(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string
/** The app's socket path, or its named pipe on Windows. */
export function defaultSocketPath(env?: NodeJS.ProcessEnv, platform?: NodeJS.Platform): string
/** Connects to a running Token Watch; rejects (code ENOENT/ECONNREFUSED) when none is running. */
export function connect(options?: ConnectOptions): Promise<TokenWatchClient>
/** Connects, sends one report, closes. */
export function sendOne(event: UsageReport, options?: ConnectOptions): Promise<Ack>
