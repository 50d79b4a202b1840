/**
 * The Windows/Linux tray icon: today's amount drawn into a small badge, coloured by budget state.
 * Those trays show no text beside the icon, so the number has to be in the picture.
 */
import { drawText, FONT_HEIGHT, setPixel, textWidth, type Bitmap, type Rgba } from './bitmap-font'
import type { BudgetState } from './budget'
import { compactUsd } from './format'
import { encodePng } from './png'

/** Badge background per budget state; white text reads on all four. */
export const STATE_COLORS: Record<BudgetState, Rgba> = {
  none: [31, 41, 55, 255],
  under: [21, 128, 61, 255],
  near: [180, 83, 9, 255],
  over: [185, 28, 28, 255],
}

const WHITE: Rgba = [255, 255, 255, 255]
const TRACK: Rgba = [255, 255, 255, 90]
const GAP = 1

/** Icon sizes drawn: 16 px for 1x displays, 32 px for 2x. */
export type IconSize = 16 | 32

/**
 * Shorter forms of an amount, most precise first, each keeping the `$`: `$.60` for cents, `$9.9`,
 * `$12`, `$12k`, `$.1M`, `$2M`. The 16 px badge has room for about four glyphs.
 */
function shorterForms(costUsd: number): string[] {
  const c = Math.max(0, costUsd)
  const out: string[] = []
  const cents = Math.round(c * 100)
  if (cents === 0) out.push('$0')
  else if (cents < 100) out.push(`$.${String(cents).padStart(2, '0')}`)
  if (Math.round(c * 10) < 100) out.push(`$${(Math.round(c * 10) / 10).toFixed(1)}`)
  if (Math.round(c) < 1000) out.push(`$${Math.round(c)}`)
  if (Math.round(c / 1000) < 1000) out.push(`$${Math.round(c / 1000)}k`)
  if (c >= 50_000 && Math.round(c / 100_000) < 10) out.push(`$.${Math.round(c / 100_000)}M`)
  if (c >= 500_000 && Math.round(c / 1_000_000) < 1000) out.push(`$${Math.round(c / 1_000_000)}M`)
  if (c >= 50_000_000 && Math.round(c / 100_000_000) < 10) out.push(`$.${Math.round(c / 100_000_000)}B`)
  if (c >= 500_000_000) out.push(`$${Math.round(c / 1_000_000_000)}B`)
  return out
}

/**
 * The text that fits a `size` badge: the compact amount, or the most precise shorter form that
 * fits. The `$` is always drawn (a bare "0.60" reads as anything); the tooltip and menu carry the
 * exact amount.
 */
export function badgeText(costUsd: number, size: IconSize): string {
  const scale = size / 16
  const fits = (t: string): boolean => textWidth(t, scale, GAP) <= size - scale
  const forms = [compactUsd(costUsd), ...shorterForms(costUsd)]
  return forms.find(fits) ?? forms[forms.length - 1] ?? compactUsd(costUsd)
}

function roundedRect(bmp: Bitmap, radius: number, color: Rgba): void {
  const { width: w, height: h } = bmp
  const inside = (px: number, py: number): boolean => {
    const cx = Math.min(Math.max(px, radius), w - radius)
    const cy = Math.min(Math.max(py, radius), h - radius)
    return (px - cx) ** 2 + (py - cy) ** 2 <= radius ** 2
  }
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let hits = 0
      for (let sy = 0; sy < 4; sy++) for (let sx = 0; sx < 4; sx++) if (inside(x + (sx + 0.5) / 4, y + (sy + 0.5) / 4)) hits++
      if (hits > 0) setPixel(bmp, x, y, [color[0], color[1], color[2], Math.round((color[3] * hits) / 16)])
    }
  }
}

export interface BadgeOptions {
  costUsd: number
  state: BudgetState
  size: IconSize
  /** Share of the budget spent (0..1+), drawn as a bar under the amount; omitted without a budget. */
  fraction?: number
  /** Draw the badge without the amount (the macOS icon beside a text title). */
  blank?: boolean
}

/** Renders the badge as a straight-alpha RGBA bitmap. */
export function renderBadge({ costUsd, state, size, fraction, blank = false }: BadgeOptions): Bitmap {
  const scale = size / 16
  const bmp: Bitmap = { width: size, height: size, data: new Uint8Array(size * size * 4) }
  roundedRect(bmp, 3 * scale, STATE_COLORS[state])
  if (!blank) {
    const text = badgeText(costUsd, size)
    const x = Math.floor((size - textWidth(text, scale, GAP)) / 2)
    const y = Math.floor((size - FONT_HEIGHT * scale) / 2)
    drawText(bmp, text, x, y, scale, GAP, WHITE)
  }
  if (fraction !== undefined) {
    const left = 2 * scale
    const width = size - 4 * scale
    const filled = Math.round(width * Math.min(1, Math.max(0, fraction)))
    const top = size - 3 * scale
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < width; dx++) setPixel(bmp, left + dx, top + dy, dx < filled ? WHITE : TRACK)
    }
  }
  return bmp
}

/** The slice of electron's `nativeImage` this module uses. */
export interface TrayIconElectron {
  nativeImage: {
    createEmpty(): TrayImage
    createFromPath(path: string): TrayImage
  }
}

export interface TrayImage {
  addRepresentation(options: { scaleFactor: number; width?: number; height?: number; buffer?: Buffer }): void
  setTemplateImage(option: boolean): void
}

/** A native image holding the badge at 1x (16 px) and 2x (32 px). */
export function badgeImage(electron: TrayIconElectron, options: Omit<BadgeOptions, 'size'>): TrayImage {
  const image = electron.nativeImage.createEmpty()
  for (const size of [16, 32] as const) {
    const bmp = renderBadge({ ...options, size })
    image.addRepresentation({ scaleFactor: size / 16, width: size, height: size, buffer: encodePng(bmp.data, size, size) })
  }
  return image
}
