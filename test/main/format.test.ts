import { describe, expect, it } from 'vitest'
import { compactUsd, formatTokens, formatUsd } from '../../src/main/format'

describe('formatUsd', () => {
  it('shows dollars and cents with thousands separators', () => {
    expect(formatUsd(0)).toBe('$0.00')
    expect(formatUsd(0.6)).toBe('$0.60')
    expect(formatUsd(1234.567)).toBe('$1,234.57')
  })
})

describe('compactUsd', () => {
  it('keeps at most five glyphs, choosing the tier on the rounded value', () => {
    const cases: [number, string][] = [
      [0, '$0.00'], [0.004, '$0.00'], [0.6, '$0.60'], [9.99, '$9.99'], [9.996, '$10.0'],
      [12.34, '$12.3'], [99.94, '$99.9'], [99.96, '$100'], [999.4, '$999'], [999.6, '$1.0k'],
      [1234, '$1.2k'], [9_950, '$10k'], [123_456, '$123k'], [999_600, '$1.0M'], [12_345_678, '$12M'],
    ]
    for (const [usd, text] of cases) expect([usd, compactUsd(usd)]).toEqual([usd, text])
  })
})

describe('formatTokens', () => {
  it('abbreviates without ever showing 1000 of a unit', () => {
    const cases: [number, string][] = [[0, '0'], [950, '950'], [999.6, '1k'], [12_345, '12.3k'], [999_960, '1M'], [4_500_000, '4.5M'], [123_456_789, '123M'], [1_200_000_000, '1.2B']]
    for (const [n, text] of cases) expect([n, formatTokens(n)]).toEqual([n, text])
  })
})
