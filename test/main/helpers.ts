/** Real-engine fixtures and image readers for the main-process tests. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { afterEach } from 'vitest'
import type { UsageEvent } from '../../src/shared/usage'
import { Engine, type EngineOptions } from '../../src/engine/live/engine'
import { GLYPHS, FONT_HEIGHT, type Bitmap } from '../../src/main/bitmap-font'

const dirs: string[] = []
const engines: Engine[] = []

// One hook, in this order: stop every engine (closing SQLite), then remove its folders.
afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop()
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A fresh temp dir, removed after the test. */
export function tempDir(prefix = 'tw-main-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(d)
  return d
}

/** An environment whose every folder (data dir, agent log roots, HOME) is a new temp dir. */
export function engineEnv(): NodeJS.ProcessEnv & { TOKENWATCH_HOME: string; HOME: string } {
  const root = tempDir()
  const env = {
    TOKENWATCH_HOME: join(root, 'data'),
    HOME: root,
    XDG_CONFIG_HOME: join(root, 'config'),
    CLAUDE_CONFIG_DIR: join(root, 'claude'),
    CODEX_HOME: join(root, 'codex'),
    TOKENWATCH_USER: 'tester',
  }
  for (const d of [env.CLAUDE_CONFIG_DIR, env.CODEX_HOME]) mkdirSync(d, { recursive: true })
  return env
}

/** Remembers an engine so the after-test hook stops it. */
export function track(engine: Engine): Engine {
  engines.push(engine)
  return engine
}

/** A real engine on real SQLite in temp dirs, not tailing (tests push usage through the writer). */
export async function makeEngine(opts: Partial<EngineOptions> = {}): Promise<Engine> {
  return track(await Engine.open({ env: engineEnv(), watch: false, changeDebounceMs: 5, ...opts }))
}

/**
 * One request on claude-sonnet-4-5 ($3 in / $15 out per million): 100k input + 20k output
 * costs exactly $0.30 + $0.30 = $0.60.
 */
export function usage(key: string, ts: number, overrides: Partial<UsageEvent> = {}): UsageEvent {
  return {
    key,
    ts,
    source: 'socket',
    userId: 'tester',
    agentId: 'claude-code',
    project: 'demo',
    sessionId: 's1',
    model: 'claude-sonnet-4-5',
    input: 100_000,
    output: 20_000,
    cacheRead: 0,
    cacheWrite: 0,
    cacheWrite1h: 0,
    ...overrides,
  }
}

/** Polls until `check` returns something other than undefined (or throws after `timeoutMs`). */
export async function waitFor<T>(check: () => T | undefined, timeoutMs = 2000, what = 'condition'): Promise<T> {
  const until = Date.now() + timeoutMs
  for (;;) {
    const v = check()
    if (v !== undefined) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Decodes a PNG written by src/main/png.ts (RGBA, filter 0) back to pixels. */
export function readPng(png: Buffer): Bitmap {
  const width = png.readUInt32BE(16)
  const height = png.readUInt32BE(20)
  const idat: Buffer[] = []
  for (let at = 8; at < png.length;) {
    const len = png.readUInt32BE(at)
    if (png.toString('ascii', at + 4, at + 8) === 'IDAT') idat.push(png.subarray(at + 8, at + 8 + len))
    at += 12 + len
  }
  const raw = inflateSync(Buffer.concat(idat))
  const data = new Uint8Array(width * height * 4)
  for (let y = 0; y < height; y++) {
    if (raw[y * (width * 4 + 1)] !== 0) throw new Error('unexpected PNG filter')
    data.set(raw.subarray(y * (width * 4 + 1) + 1, (y + 1) * (width * 4 + 1)), y * width * 4)
  }
  return { width, height, data }
}

/** The RGBA value of one pixel. */
export function pixel(bmp: Bitmap, x: number, y: number): number[] {
  return [...bmp.data.subarray((y * bmp.width + x) * 4, (y * bmp.width + x) * 4 + 4)]
}

/** Reads the amount back out of a badge: segments white ink into glyphs and matches the font. */
export function readBadge(bmp: Bitmap): string {
  const scale = bmp.width / 16
  const top = Math.floor((bmp.height - FONT_HEIGHT * scale) / 2)
  const ink = (x: number, y: number) => pixel(bmp, x, y).join() === '255,255,255,255'
  const inkColumn = (x: number) => Array.from({ length: FONT_HEIGHT }, (_, gy) => ink(x, top + gy * scale)).some(Boolean)
  let text = ''
  for (let x = 0; x < bmp.width;) {
    if (!inkColumn(x)) {
      x++
      continue
    }
    const start = x
    while (x < bmp.width && inkColumn(x)) x++
    const cols = (x - start) / scale
    const rows = Array.from({ length: FONT_HEIGHT }, (_, gy) =>
      Array.from({ length: cols }, (_, gx) => (ink(start + gx * scale, top + gy * scale) ? '#' : '.')).join(''),
    )
    const ch = Object.entries(GLYPHS).find(([, g]) => g.join('|') === rows.join('|'))?.[0]
    if (ch === undefined) throw new Error(`unknown glyph:\n${rows.join('\n')}`)
    text += ch
  }
  return text
}
