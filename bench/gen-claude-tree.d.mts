/** Types for the benchmark's Claude Code tree generator (plain ESM), used by the reliability tests. */
export interface GeneratedTotals {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  cacheWrite1h: number
  requests: number
  totalTokens: number
}
export interface GeneratedManifest {
  totals: GeneratedTotals
  files: number
  lines: number
  bytes: number
}
export const GENERATOR_VERSION: number
export function generateClaudeTree(dir: string, opts?: { bytes?: number; seed?: number }): GeneratedManifest
export function parseSize(v: string): number
