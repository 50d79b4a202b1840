/**
 * The figures every aggregate table keeps and every query sums, as SQL returns them: the four
 * exclusive token buckets, the request count, cost in integer nano-USD, and the unpriced tokens.
 */
export interface StoredSums {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
  costNanoUsd: number
  unpricedTokens: number
}

/** Adds `b`'s figures into `a`. */
export function addSums(a: StoredSums, b: StoredSums): void {
  a.input += b.input
  a.output += b.output
  a.cacheRead += b.cacheRead
  a.cacheWrite += b.cacheWrite
  a.requests += b.requests
  a.costNanoUsd += b.costNanoUsd
  a.unpricedTokens += b.unpricedTokens
}
