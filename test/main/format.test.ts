import { describe, expect, it } from 'vitest'
import { compactUsd, formatCount, formatTokens, formatUsd } from '../../src/main/format'

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
      [0, '$0.00'],
      [0.004, '$0.00'],
      [0.6, '$0.60'],
      [9.99, '$9.99'],
      [9.996, '$10.0'],
      [12.34, '$12.3'],
      [99.94, '$99.9'],
      [99.96, '$100'],
      [999.4, '$999'],
      [999.6, '$1.0k'],
      [1234, '$1.2k'],
      [9_950, '$10k'],
      [123_456, '$123k'],
      [999_600, '$1.0M'],
      [12_345_678, '$12M'],
    ]
    for (const [usd, text] of cases) expect([usd, compactUsd(usd)]).toEqual([usd, text])
  })
})

describe('formatTokens', () => {
  it('abbreviates without ever showing 1000 of a unit', () => {
    const cases: [number, string][] = [
      [0, '0'],
      [950, '950'],
      [999.6, '1k'],
      [12_345, '12.3k'],
      [999_960, '1M'],
      [4_500_000, '4.5M'],
      [123_456_789, '123M'],
      [1_200_000_000, '1.2B'],
    ]
    for (const [n, text] of cases) expect([n, formatTokens(n)]).toEqual([n, text])
  })
})

describe("the app's locale", () => {
  it('formats amounts, counts and tokens as the locale writes them', () => {
    expect(formatUsd(1234.567, 'de-DE')).toBe('1.234,57\u00a0$')
    expect(formatUsd(1234.567, 'en-GB')).toBe('US$1,234.57')
    expect(formatUsd(0.6, 'fr-FR')).toBe('0,60\u00a0$US')
    expect(formatCount(12345, 'de-DE')).toBe('12.345')
    expect(formatTokens(12_345, 'de-DE')).toBe('12,3k')
    expect(formatTokens(950, 'de-DE')).toBe('950')
    expect(formatTokens(4_500_000, 'fr-FR')).toBe('4,5M')
  })

  it('falls back to en-US for a missing or malformed locale instead of failing', () => {
    expect(formatUsd(1234.5, undefined)).toBe('$1,234.50')
    expect(formatUsd(1234.5, 'not a locale!')).toBe('$1,234.50')
    expect(formatTokens(12_345, '')).toBe('12.3k')
  })
})
