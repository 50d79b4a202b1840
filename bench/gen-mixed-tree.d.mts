/** Types for the benchmark's mixed tree generator (plain ESM), used by the tests. */
export interface MixedTotals {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
}
export interface MixedSource {
  /** The env vars that point Token Watch at this source's folders. */
  env: Record<string, string>
  totals: MixedTotals
  files: number
  bytes: number
  /** Cursor: where the usage-export CSV lies (copied into the data dir's cursor-usage/). */
  importDir?: string
}
export interface MixedManifest {
  bytes: number
  files: number
  totals: MixedTotals
  sources: Record<
    | 'claude-code'
    | 'gemini-cli'
    | 'pi'
    | 'openclaw'
    | 'codebuff'
    | 'opencode'
    | 'hermes'
    | 'zcode'
    | 'cursor'
    | 'droid'
    | 'goose'
    | 'antigravity'
    | 'cline',
    MixedSource
  >
}
export const MIXED_GENERATOR_VERSION: number
export function generateMixedTree(dir: string, opts?: { bytes?: number; seed?: number | string }): MixedManifest
