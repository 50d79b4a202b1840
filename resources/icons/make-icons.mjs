// Draws Token Watch's icons and writes them beside this script. Run: node resources/icons/make-icons.mjs
// The PNGs are committed; rerun only when the design changes. Self-contained (Node's zlib only),
// because it runs before anything is built. The tray *badge* is drawn at run time by src/main.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'

const HERE = dirname(fileURLToPath(import.meta.url))

const CRC = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})
const crc32 = (buf) => {
  let c = 0xffffffff
  for (const b of buf) c = CRC[(c ^ b) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}
function chunk(type, data) {
  const head = Buffer.alloc(8)
  head.writeUInt32BE(data.length, 0)
  head.write(type, 4, 'ascii')
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0)
  return Buffer.concat([head, data, crc])
}
function png(rgba, w, h) {
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(w, 0)
  ihdr.writeUInt32BE(h, 4)
  ihdr.set([8, 6, 0, 0, 0], 8)
  const raw = Buffer.alloc((w * 4 + 1) * h)
  for (let y = 0; y < h; y++) Buffer.from(rgba.buffer, y * w * 4, w * 4).copy(raw, y * (w * 4 + 1) + 1)
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))])
}

// Shapes in unit coordinates (0..1); each returns true when (x, y) is inside.
const roundRect = (x0, y0, x1, y1, r) => (x, y) => {
  const cx = Math.min(Math.max(x, x0 + r), x1 - r)
  const cy = Math.min(Math.max(y, y0 + r), y1 - r)
  return x >= x0 && x <= x1 && y >= y0 && y <= y1 && (x - cx) ** 2 + (y - cy) ** 2 <= r * r
}
const circle = (cx, cy, r) => (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r

/** Paints layers (shape + colour function) with 4x4 supersampling; straight alpha out. */
function render(size, layers) {
  const out = new Uint8Array(size * size * 4)
  const S = 4
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let r = 0, g = 0, b = 0, a = 0
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const x = (px + (sx + 0.5) / S) / size
          const y = (py + (sy + 0.5) / S) / size
          // Composite this sample front to back over the layers (later layers on top).
          let cr = 0, cg = 0, cb = 0, ca = 0
          for (const { shape, color } of layers) {
            if (!shape(x, y)) continue
            const [lr, lg, lb, la] = color(x, y)
            cr = lr * la + cr * (1 - la)
            cg = lg * la + cg * (1 - la)
            cb = lb * la + cb * (1 - la)
            ca = la + ca * (1 - la)
          }
          r += cr; g += cg; b += cb; a += ca
        }
      }
      const n = S * S
      const i = (py * size + px) * 4
      const alpha = a / n
      out[i] = alpha > 0 ? Math.round(r / n / alpha) : 0
      out[i + 1] = alpha > 0 ? Math.round(g / n / alpha) : 0
      out[i + 2] = alpha > 0 ? Math.round(b / n / alpha) : 0
      out[i + 3] = Math.round(alpha * 255)
    }
  }
  return out
}

const mix = (c0, c1, t) => c0.map((v, i) => v + (c1[i] - v) * t)
const INDIGO = [67, 56, 202]
const TEAL = [13, 148, 136]
const WHITE = () => [255, 255, 255, 1]
const AMBER = () => [245, 158, 11, 1]

// Hour-by-hour bars rising to the right, the last one topped by a coin.
const BARS = [
  [0.2, 0.62], [0.36, 0.5], [0.52, 0.56], [0.68, 0.36],
]
const bars = (w, bottom, radius) => BARS.map(([x, top]) => ({ shape: roundRect(x, top, x + w, bottom, radius), color: WHITE }))

function appIcon(size) {
  return render(size, [
    { shape: roundRect(0.04, 0.04, 0.96, 0.96, 0.2), color: (_x, y) => [...mix(INDIGO, TEAL, y), 1] },
    ...bars(0.12, 0.8, 0.03),
    { shape: circle(0.74, 0.22, 0.085), color: AMBER },
  ])
}

// macOS template: black + alpha only; the system tints it for light and dark menu bars.
function trayTemplate(size) {
  const BLACK = () => [0, 0, 0, 1]
  const tb = [[0.1, 0.55], [0.38, 0.3], [0.66, 0.08]]
  return render(size, tb.map(([x, top]) => ({ shape: roundRect(x, top, x + 0.24, 0.92, 0.05), color: BLACK })))
}

const write = (file, size, pixels) => {
  mkdirSync(dirname(join(HERE, file)), { recursive: true })
  writeFileSync(join(HERE, file), png(pixels, size, size))
  console.log(`wrote resources/icons/${file}`)
}

write('icon.png', 512, appIcon(512))
for (const s of [16, 24, 32, 48, 64, 128, 256, 512]) write(join('png', `${s}x${s}.png`), s, appIcon(s))
write('trayTemplate.png', 16, trayTemplate(16))
write('trayTemplate@2x.png', 32, trayTemplate(32))
