/** How figures read on screen (src/renderer/src/lib/format.ts). */
import { describe, expect, it } from 'vitest'
import { formatShare } from '../../src/renderer/src/lib/format'

describe('breakdown shares', () => {
  it('a row holding tokens never reads 0%, a row short of all never reads 100%', () => {
    // 650 tokens of 297,615,438 (a model used once over a long range) was shown as "0%".
    expect(formatShare(650 / 297_615_438)).toBe('<0.1%')
    expect(formatShare(1 - 650 / 297_615_438)).toBe('>99.9%')
    expect(formatShare(0)).toBe('0%')
    expect(formatShare(1)).toBe('100%')
    expect(formatShare(0.0005)).toBe('0.1%')
    expect(formatShare(0.497)).toBe('49.7%')
  })
})
