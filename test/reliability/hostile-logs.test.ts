import { describe, expect, it } from 'vitest'
import { mkdirSync, openSync, writeSync, closeSync, writeFileSync, symlinkSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/engine/store/open-store'
import { createLogSources } from '../../src/engine/sources/registry'
import { scanLogs } from '../../src/engine/ingest/scan'
import { runReport } from '../../src/engine/query/report'
import { sourceStatus } from '../../src/engine/query/source-status'
import { tempDir } from '../helpers/temp'

function usage(id: string, ts: string, u: Record<string, unknown>): string {
  return JSON.stringify({
    type: 'assistant',
    timestamp: ts,
    sessionId: 's',
    cwd: '/p',
    requestId: `r${id}`,
    message: { id: `m${id}`, model: 'claude-sonnet-4-20250514', usage: u },
  })
}

const GOOD = [
  usage('1', '2026-03-01T10:00:00Z', { input_tokens: 10, output_tokens: 20, cache_read_input_tokens: 30, cache_creation_input_tokens: 40 }),
  usage('2', '2026-03-01T11:00:00Z', { input_tokens: 1, output_tokens: 2 }),
]

// The binary file's bytes i*7919 mod 256 hold NULs and newlines; every line that has a NUL counts.
const BINARY_BYTES = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256))
const BINARY_LINES = BINARY_BYTES.toString('latin1')
  .split('\n')
  .slice(0, -1)
  .filter((l) => l.includes('\u0000')).length

describe('hostile and broken log input: nothing crashes, valid totals stay exact, problems are counted', () => {
  it('a tree full of bad lines and bad files', async () => {
    const dir = tempDir()
    const p = join(dir, 'claude', 'projects', 'p')
    mkdirSync(p, { recursive: true })
    const bad = [
      '{"message":{"usage":{"input_tokens":5}', // truncated
      usage('n', '2026-03-01T10:00:00Z', { input_tokens: -5, output_tokens: 1 }),
      usage('f', '2026-03-01T10:00:00Z', { input_tokens: 1.5, output_tokens: 1 }),
      usage('h', '2026-03-01T10:00:00Z', { input_tokens: 1e300, output_tokens: 1 }),
      usage('s', '2026-03-01T10:00:00Z', { input_tokens: '12', output_tokens: 1 }),
      usage('x', '2026-03-01T10:00:00Z', { input_tokens: null, output_tokens: 'NaN' }),
      usage('old', '1999-12-31T23:00:00Z', { input_tokens: 1, output_tokens: 1 }),
      usage('future', '2999-01-01T00:00:00Z', { input_tokens: 1, output_tokens: 1 }),
      JSON.stringify({ type: 'assistant', message: { id: 'nots', model: 'm', usage: { input_tokens: 1 } } }), // no timestamp
      JSON.stringify({ type: 'brand-new-type', usage: 'whatever' }), // unknown shape: no message.usage
    ]
    writeFileSync(join(p, 'mixed.jsonl'), [GOOD[0], ...bad, GOOD[1]].join('\n') + '\n')
    // Invalid UTF-8 inside a usage line.
    writeFileSync(
      join(p, 'utf8.jsonl'),
      Buffer.concat([Buffer.from('{"message":{"usage":1},"x":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]),
    )
    // A binary file named .jsonl, a directory named like a file, a symlink loop.
    writeFileSync(join(p, 'binary.jsonl'), BINARY_BYTES)
    mkdirSync(join(p, 'folder.jsonl'))
    symlinkSync(p, join(p, 'loop'))
    // A single 50 MiB line (with the needle in it), then a valid line after it.
    const big = join(p, 'big.jsonl')
    const fd = openSync(big, 'w')
    writeSync(fd, '{"message":{"usage":{},"content":"')
    const chunk = Buffer.alloc(1024 * 1024, 'a')
    for (let i = 0; i < 50; i++) writeSync(fd, chunk)
    writeSync(fd, '"}\n' + usage('3', '2026-03-01T12:00:00Z', { input_tokens: 100, output_tokens: 200 }) + '\n')
    closeSync(fd)

    const store = openStore(join(dir, 'tw.db'))
    const sources = createLogSources({ claudeConfigDirs: [join(dir, 'claude')], codexHomes: [join(dir, 'codex')] })
    const s = await scanLogs(store, sources, () => null, { userId: 'u' })
    const t = runReport(store, { tz: 'UTC', groupBy: [] }).totals
    expect([t.input, t.output, t.cacheRead, t.cacheWrite, t.requests]).toEqual([111, 222, 30, 40, 3])
    expect(s.skipReasons).toEqual({
      'malformed-json': 1,
      'bad-field': 6,
      'implausible-time': 2,
      'invalid-utf8': 1,
      'line-too-long': 1,
      binary: BINARY_LINES,
      'unknown-shape': 1,
    })
    // The directory named x.jsonl is walked as the folder it is; the loop is not followed.
    expect(s.errors).toEqual([])
    const status = sourceStatus(store, sources, {}).find((x) => x.source === 'claude-code')
    expect(status?.skippedLines).toBe(s.skipped)
    expect(status?.skipReasons).toEqual(s.skipReasons)
    store.close()
  }, 60_000)
})
