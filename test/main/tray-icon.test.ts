import { describe, expect, it } from 'vitest'
import { encodePng } from '../../src/main/png'
import { textWidth } from '../../src/main/bitmap-font'
import { badgeImage, badgeText, renderBadge, STATE_COLORS } from '../../src/main/tray-icon'
import { fakeElectron, type FakeImage } from './fake-electron'
import { pixel, readBadge, readPng } from './helpers'

describe('badgeText', () => {
  it('always keeps the $, shortening the amount to fit the 16 px badge', () => {
    expect(badgeText(0.6, 32)).toBe('$0.60')
    expect(badgeText(0.6, 16)).toBe('$.60')
    expect(badgeText(0, 16)).toBe('$0')
    expect(badgeText(9.96, 16)).toBe('$10')
    expect(badgeText(1.234, 16)).toBe('$1.2')
    expect(badgeText(512, 16)).toBe('$512')
    expect(badgeText(12_345, 16)).toBe('$12k')
    expect(badgeText(123_456, 32)).toBe('$.1M')
    expect(badgeText(2_345_678, 32)).toBe('$2M')
  })

  it('draws every amount whole, $ first, inside both badge sizes (nothing clipped)', () => {
    const amounts = [
      0, 0.004, 0.6, 0.995, 1.234, 9.96, 12.34, 99.6, 512, 999.7, 1234, 12_345, 123_456, 999_999, 2_345_678, 123_456_789, 4_321_000_000,
    ]
    for (const size of [16, 32] as const) {
      for (const costUsd of amounts) {
        const bmp = renderBadge({ costUsd, state: 'under', size })
        const shown = readBadge(bmp)
        expect([size, costUsd, shown]).toEqual([size, costUsd, badgeText(costUsd, size)])
        expect([size, costUsd, shown.startsWith('$')]).toEqual([size, costUsd, true])
        // Read back whole from the pixels, and narrower than the badge: nothing is cut off.
        expect([size, costUsd, textWidth(shown, size / 16, 1) <= size - size / 16]).toEqual([size, costUsd, true])
      }
    }
  })
})

describe('renderBadge', () => {
  it('draws the amount in white on the state colour, readable at both sizes', () => {
    for (const size of [16, 32] as const) {
      const bmp = renderBadge({ costUsd: 12.34, state: 'near', size })
      expect(readBadge(bmp)).toBe(size === 32 ? '$12.3' : '$12')
      expect(pixel(bmp, size / 2, size / 16)).toEqual([...STATE_COLORS.near])
      expect(pixel(bmp, 0, 0)[3]).toBeLessThan(255) // rounded corner
    }
  })

  it('draws a budget bar under the amount, filled by the share spent', () => {
    const bmp = renderBadge({ costUsd: 5, state: 'under', size: 16, fraction: 0.5 })
    const row = 13
    const filled = Array.from({ length: 12 }, (_, i) => pixel(bmp, 2 + i, row)[3])
    expect(filled).toEqual([255, 255, 255, 255, 255, 255, 90, 90, 90, 90, 90, 90])
  })

  it('leaves the text out for the macOS status light', () => {
    const bmp = renderBadge({ costUsd: 5, state: 'over', size: 32, blank: true })
    expect(readBadge(bmp)).toBe('')
    expect(pixel(bmp, 16, 16)).toEqual([...STATE_COLORS.over])
  })
})

describe('encodePng', () => {
  it('round-trips pixels through a valid PNG', () => {
    const data = new Uint8Array(3 * 2 * 4).map((_, i) => (i * 37) % 256)
    const png = encodePng(data, 3, 2)
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
    expect(readPng(png)).toEqual({ width: 3, height: 2, data })
  })
})

describe('badgeImage', () => {
  it('gives the native image a 16 px 1x and a 32 px 2x representation', () => {
    const fake = fakeElectron()
    const image = badgeImage(fake.electron, { costUsd: 0.6, state: 'none' }) as FakeImage
    expect(image.reps.map((r) => [r.scaleFactor, r.width, r.height])).toEqual([
      [1, 16, 16],
      [2, 32, 32],
    ])
    expect(image.reps.map((r) => readBadge(readPng(r.buffer as Buffer)))).toEqual(['$.60', '$0.60'])
  })
})
