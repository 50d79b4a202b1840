/** Data shapes shared by the engine, the CLI, Electron main, preload and renderer. Types only. */

import type { SourceId } from './sources'

/** Where a usage event came from (derived from the one list in ./sources). */
export type { SourceId }

/** The four exclusive token buckets: their sum is every token a request billed. */
export type TokenBucket = 'input' | 'output' | 'cacheRead' | 'cacheWrite'

export const TOKEN_BUCKETS: readonly TokenBucket[] = ['input', 'output', 'cacheRead', 'cacheWrite']

/**
 * One billed request, normalized. Buckets are exclusive: sources that report cached input
 * inside `input` (OpenAI/Codex, Gemini, OTel GenAI) are normalized on entry.
 */
export interface UsageEvent {
  /** Stable dedup key; a re-seen key never counts twice. */
  key: string
  /** Instant of the request, epoch milliseconds UTC. */
  ts: number
  source: SourceId
  userId: string
  agentId: string
  project: string
  sessionId: string
  /** Full model string as the agent reported it (e.g. `claude-opus-4-6`, `openai/gpt-5.5`). */
  model: string
  input: number
  output: number
  cacheRead: number
  /** All cache writes, 5-minute and 1-hour together. */
  cacheWrite: number
  /** The part of `cacheWrite` written with a 1-hour TTL (priced higher); 0 when unknown. */
  cacheWrite1h: number
  /** Cost the source itself reported, in USD; used only where set. */
  reportedCostUsd?: number
}
