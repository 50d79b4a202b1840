/**
 * A 5-pixel-tall bitmap font for the tray badge: digits, `$`, `.`, `k`, `M`, `B`. Tray icons are 16 or
 * 32 px, where a system font rendered through a canvas would blur; a pixel font stays sharp.
 */

/** Each glyph is five rows; `#` is ink. Rows of one glyph have equal width. */
export const GLYPHS: Readonly<Record<string, readonly string[]>> = {
  '0': ['###', '#.#', '#.#', '#.#', '###'],
  '1': ['.#.', '##.', '.#.', '.#.', '###'],
  '2': ['###', '..#', '###', '#..', '###'],
  '3': ['###', '..#', '###', '..#', '###'],
  '4': ['#.#', '#.#', '###', '..#', '..#'],
  '5': ['###', '#..', '###', '..#', '###'],
  '6': ['###', '#..', '###', '#.#', '###'],
  '7': ['###', '..#', '.#.', '.#.', '.#.'],
  '8': ['###', '#.#', '###', '#.#', '###'],
  '9': ['###', '#.#', '###', '..#', '###'],
  $: ['.##', '##.', '.#.', '.##', '##.'],
  '.': ['.', '.', '.', '.', '#'],
  k: ['#..', '#.#', '##.', '#.#', '#.#'],
  M: ['#...#', '##.##', '#.#.#', '#...#', '#...#'],
  B: ['##.', '#.#', '##.', '#.#', '##.'],
}

/** Glyph height in font pixels. */
export const FONT_HEIGHT = 5

function glyph(ch: string): readonly string[] {
  const g = GLYPHS[ch]
  if (!g) throw new Error(`bitmap font has no glyph for ${JSON.stringify(ch)}`)
  return g
}

/** Width in device pixels of `text` drawn at `scale` with `gap` pixels between glyphs. */
export function textWidth(text: string, scale: number, gap: number): number {
  const chars = [...text]
  if (chars.length === 0) return 0
  return chars.reduce((w, ch) => w + (glyph(ch)[0]?.length ?? 0) * scale, 0) + gap * (chars.length - 1)
}

/** A straight-alpha RGBA image being drawn into. */
export interface Bitmap {
  width: number
  height: number
  data: Uint8Array
}

export type Rgba = readonly [number, number, number, number]

/** Sets one pixel (clipped to the bitmap). */
export function setPixel(bmp: Bitmap, x: number, y: number, [r, g, b, a]: Rgba): void {
  if (x < 0 || y < 0 || x >= bmp.width || y >= bmp.height) return
  bmp.data.set([r, g, b, a], (y * bmp.width + x) * 4)
}

/** Draws `text` with its top-left corner at (x, y), each font pixel a `scale` x `scale` block. */
export function drawText(bmp: Bitmap, text: string, x: number, y: number, scale: number, gap: number, color: Rgba): void {
  let penX = x
  for (const ch of text) {
    const rows = glyph(ch)
    rows.forEach((row, gy) => {
      for (let gx = 0; gx < row.length; gx++) {
        if (row[gx] !== '#') continue
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) setPixel(bmp, penX + gx * scale + dx, y + gy * scale + dy, color)
        }
      }
    })
    penX += (rows[0]?.length ?? 0) * scale + gap
  }
}
