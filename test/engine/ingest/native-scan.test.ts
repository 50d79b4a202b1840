/**
 * The native scanner (native/scan) against the JS path: on arbitrary lines (escapes, unicode, odd
 * whitespace, numbers of every form, nulls, wrong types, duplicate keys, truncation, invalid
 * UTF-8, NUL bytes) both give the same records, skips and counts; and the lines the native
 * extractor takes itself are most real ones (else it would be a fallback in disguise).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readIncrement, anchorOf } from '../../../src/engine/ingest/read-increment'
import { claudeObject, FIELDS, HEADER, nativeScan, RECORD, useNativeScan } from '../../../src/engine/ingest/native-scan'
import { claudeParser } from '../../../src/engine/sources/claude-code/parser'
import { codexParser } from '../../../src/engine/sources/codex/parser'
import type { FileContext, LineParser } from '../../../src/engine/sources/types'
import { tempDir } from '../../helpers/temp'

const native = nativeScan()

// The addon must have built here (CI has a compiler); a machine without one runs the JS path only.
const describeNative = native || process.env.CI ? describe : describe.skip

/** Numbers as JSON text in every form JSON.parse accepts, and a few it does not. */
const numberText = fc.oneof(
  fc.nat({ max: 2_000_000 }).map(String),
  fc.constantFrom('0', '-0', '1e3', '1E+3', '1e-3', '1.0', '1.50', '-5', '0.1', '2.5e2', '9007199254740991', '9007199254740993'),
  fc.constantFrom('12345678901234567890', '1e400', '-1e400', '1e22', '1e23', '123456789012345.6', '0.000000000000000000001'),
  fc.constantFrom('01', '1.', '.5', '+1', '1e', '--1', 'NaN', 'Infinity', '0x10'),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.integer({ min: 1_000_000_000, max: 3_000_000_000 }).map(String),
)
const stringText = fc.oneof(
  fc.constantFrom('"claude-sonnet-4-5"', '"<synthetic>"', '""', '"assistant"', '"user"', '"summary"', '"weird"'),
  fc.constantFrom(
    '"2026-03-01T10:00:00Z"',
    '"2026-03-01T10:00:00.123Z"',
    '"2019-01-01T00:00:00Z"',
    '"not a time"',
    '"2099-01-01T00:00:00Z"',
  ),
  fc.constantFrom('"msg_\\u0031"', '"a\\"b"', '"a\\\\b"', '"caf\u00e9"', '"\u{1F600}"', '"bad\\x"', '"tab\there"', '"\\ud800"', '"\\/"'),
  fc.string({ maxLength: 12 }).map((s) => JSON.stringify(s)),
  fc.string({ unit: 'grapheme', maxLength: 6 }).map((s) => JSON.stringify(s)),
)
const valueText: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: numberText },
  { weight: 3, arbitrary: stringText },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', 'false', '[]', '{}', '[1,{"usage":2}]', '{"a":{"b":[null]}}', 'tru', 'nul') },
)
const ws = fc.constantFrom('', '', '', ' ', '\t', '  ', '\r', ' \r ')

function objectText(entries: fc.Arbitrary<[string, string][]>): fc.Arbitrary<string> {
  return fc
    .tuple(entries, ws, ws)
    .map(([es, w1, w2]) => `{${w1}${es.map(([k, v]) => `${JSON.stringify(k)}${w2}:${w1}${v}`).join(`,${w2}`)}${w2}}`)
}
/**
 * Most of the wanted keys in any order, plus a few others or repeats of wanted ones (duplicate
 * keys: JSON.parse keeps the last), before or after them.
 */
function entries(keys: string[], values: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<[string, string][]> {
  const pair = (k: string) => (values[k] ?? valueText).map((v) => [k, v] as [string, string])
  const wanted = fc
    .shuffledSubarray(keys, { minLength: Math.max(0, keys.length - 2) })
    .chain((ks) => (ks.length ? fc.tuple(...ks.map(pair)) : fc.constant([] as [string, string][])))
  const extra = fc.oneof(
    fc.constantFrom(...keys).chain(pair),
    fc.tuple(fc.constantFrom('other', 'data', 'toolUseResult', 'usage', '__proto__', 'typ\\u0065'), valueText),
  )
  return fc
    .tuple(
      fc.array(extra, { maxLength: 2 }),
      wanted,
      fc.oneof({ weight: 3, arbitrary: fc.constant([]) }, { weight: 1, arbitrary: fc.array(extra, { maxLength: 2 }) }),
    )
    .map(([before, w, after]) => [...before, ...w, ...after])
}
const tokenValue = fc.oneof(
  { weight: 12, arbitrary: fc.nat({ max: 100_000 }).map(String) },
  { weight: 1, arbitrary: numberText },
  { weight: 1, arbitrary: valueText },
)
const cacheCreation = fc.oneof(
  objectText(entries(['ephemeral_1h_input_tokens', 'ephemeral_5m_input_tokens'], { ephemeral_1h_input_tokens: tokenValue })),
  valueText,
)
const usage = fc.oneof(
  {
    weight: 5,
    arbitrary: objectText(
      entries(['input_tokens', 'output_tokens', 'cache_read_input_tokens', 'cache_creation_input_tokens', 'cache_creation'], {
        input_tokens: tokenValue,
        output_tokens: tokenValue,
        cache_read_input_tokens: tokenValue,
        cache_creation_input_tokens: tokenValue,
        cache_creation: cacheCreation,
      }),
    ),
  },
  { weight: 1, arbitrary: valueText },
)
const message = fc.oneof(
  {
    weight: 5,
    arbitrary: objectText(
      entries(['usage', 'model', 'id', 'role'], {
        usage,
        model: fc.oneof(
          { weight: 8, arbitrary: fc.constantFrom('"claude-opus-4-1"', '"<synthetic>"') },
          { weight: 1, arbitrary: valueText },
        ),
        id: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('"msg_1"', '"msg_2"') }, { weight: 1, arbitrary: valueText }),
      }),
    ),
  },
  { weight: 1, arbitrary: valueText },
)
const top = objectText(
  entries(['type', 'message', 'isApiErrorMessage', 'timestamp', 'requestId', 'cwd', 'sessionId', 'costUSD'], {
    type: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('"assistant"', '"user"', '"summary"') }, { weight: 1, arbitrary: valueText }),
    message,
    timestamp: fc.oneof(
      { weight: 8, arbitrary: fc.constantFrom('"2026-03-01T10:00:00Z"', '"2026-03-02T11:30:00.5Z"') },
      { weight: 1, arbitrary: valueText },
    ),
    requestId: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('"req_1"', '"req_2"') }, { weight: 1, arbitrary: valueText }),
    cwd: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('"/work/a"', '"/work/b c"', '"C:\\\\x"') }, { weight: 1, arbitrary: valueText }),
    sessionId: fc.oneof({ weight: 8, arbitrary: fc.constantFrom('"s1"', '"s2"') }, { weight: 1, arbitrary: valueText }),
    costUSD: fc.oneof(
      { weight: 2, arbitrary: fc.constantFrom('0.0123', '1', '-1', '0', '-0', '1e-5') },
      { weight: 1, arbitrary: numberText },
    ),
  }),
)

/** A line as bytes: a generated object, sometimes damaged (cut, a byte replaced, bytes added). */
const lineBytes: fc.Arbitrary<Buffer> = fc
  .tuple(
    top,
    ws,
    ws,
    fc.oneof(
      { weight: 12, arbitrary: fc.constant<['none']>(['none']) },
      { weight: 1, arbitrary: fc.tuple(fc.constant('cut' as const), fc.nat()) },
      {
        weight: 1,
        arbitrary: fc.tuple(
          fc.constant('byte' as const),
          fc.nat(),
          fc.constantFrom(0x00, 0x80, 0xc0, 0xed, 0xf5, 0xff, 0x22, 0x5c, 0x7b, 0x09, 0x1f),
        ),
      },
      { weight: 1, arbitrary: fc.tuple(fc.constant('append' as const), fc.constantFrom('x', '}', ',', ' {"usage":1}', '\u00a0')) },
    ),
  )
  .map(([t, w1, w2, damage]) => {
    const b = Buffer.from(`${w1}${t}${w2}`, 'utf8')
    switch (damage[0]) {
      case 'none':
        return b
      case 'cut':
        return b.subarray(0, damage[1] % (b.length + 1))
      case 'byte': {
        const c = Buffer.from(b)
        if (c.length > 0) c[damage[1] % c.length] = damage[2]
        return c
      }
      case 'append':
        return Buffer.concat([b, Buffer.from(damage[1], 'utf8')])
    }
  })
  // A line never holds LF; an LF inserted by damage would split it in two on both paths alike.
  .filter((b) => !b.includes(10))

function ctxFor(root: string, path: string): FileContext {
  return { path, root, userId: 'u' }
}

/** Both paths over the same file: every increment's events and counts. */
function bothPaths(path: string, ctx: FileContext, parser: LineParser<unknown>, maxBytes?: number) {
  const run = (on: boolean) => {
    useNativeScan(on)
    try {
      const inc = readIncrement(path, undefined, parser, ctx, maxBytes)
      if (!inc) return null
      const { lines, events, skipped, skipReasons, offset, fingerprint, state } = inc.checkpoint
      return { events: inc.events, counts: { lines, events, skipped, skipReasons, offset, fingerprint, state }, done: inc.done }
    } finally {
      useNativeScan(true)
    }
  }
  return { js: run(false), nat: run(true) }
}

describeNative('native scanner', () => {
  it('gives the outcome JSON.parse and the parser give, line by line', () => {
    const n = native!
    const out = new Int32Array(HEADER + RECORD)
    const nums = new Float64Array(FIELDS)
    const needle = Buffer.from('"usage"', 'latin1')
    const anchor = anchorOf(needle).offset
    const ctx = ctxFor('/r', '/r/p/x.jsonl')
    let taken = 0
    let events = 0
    let fallbacks = 0
    fc.assert(
      fc.property(lineBytes, (bytes) => {
        const buf = Buffer.concat([bytes, Buffer.from('\n')])
        n.scan(buf, 0, buf.length, [needle], [anchor], 1, out, nums)
        if (out[3] === 0 || (out[HEADER] as number) >= 2) return // no needle, empty, NUL or invalid UTF-8: the file test compares those
        if (out[HEADER] !== 1) {
          fallbacks++ // JS parses it (the same code as the JS path)
          return
        }
        taken++
        const state = claudeParser.initialState(ctx)
        const viaNative = claudeParser.parseObject!(claudeObject(buf, out, nums, 0), state, ctx)
        const viaJs = claudeParser.parseLine(bytes.toString('utf8'), claudeParser.initialState(ctx), ctx)
        expect(viaNative).toEqual(viaJs)
        if (viaJs.kind === 'event') events++
      }),
      { numRuns: 20_000, seed: 16 },
    )
    // The extractor itself decided a good share of the candidate lines, records among them.
    console.log(`native extractor: ${taken} lines taken (${events} records), ${fallbacks} handed back`)
    expect(taken).toBeGreaterThan(500)
    expect(events).toBeGreaterThan(50)
  })

  it('reads files of arbitrary lines (damaged, binary, CRLF, empty) to the same records and counts as the JS path', () => {
    const root = tempDir()
    mkdirSync(join(root, 'p'))
    const path = join(root, 'p', 'log.jsonl')
    const ctx = ctxFor(root, path)
    const filler = fc.constantFrom('', '{"type":"user","message":{"content":"hi"}}', 'plain text', '\r', 'a\u0000b "usage"', '{"usage"')
    const line = fc.oneof({ weight: 3, arbitrary: lineBytes }, { weight: 1, arbitrary: filler.map((s) => Buffer.from(s, 'utf8')) })
    fc.assert(
      fc.property(fc.array(line, { maxLength: 40 }), fc.constantFrom('\n', '\r\n'), fc.boolean(), (lines, eol, lastEol) => {
        const parts: Buffer[] = []
        lines.forEach((l, i) => {
          parts.push(l)
          if (i < lines.length - 1 || lastEol) parts.push(Buffer.from(eol))
        })
        writeFileSync(path, Buffer.concat(parts))
        const { js, nat } = bothPaths(path, ctx, claudeParser as LineParser<unknown>)
        expect(nat).toEqual(js)
      }),
      { numRuns: 1_500, seed: 1616 },
    )
  })

  it('splits, searches and counts other sources (every candidate back to their parser) as the JS path does', () => {
    const root = tempDir()
    mkdirSync(join(root, 'p'))
    const path = join(root, 'p', 'rollout.jsonl')
    const ctx = ctxFor(root, path)
    const line = fc.oneof(
      fc.constantFrom(
        '{"timestamp":"2026-03-01T10:00:00Z","type":"session_meta","payload":{"id":"s1","cwd":"/w"}}',
        '{"timestamp":"2026-03-01T10:00:01Z","type":"turn_context","payload":{"model":"gpt-5"}}',
        '{"timestamp":"2026-03-01T10:00:02Z","type":"event_msg","payload":{"type":"token_count","info":{"total_token_usage":{"input_tokens":10,"output_tokens":3},"last_token_usage":{"input_tokens":10,"output_tokens":3}}}}',
        'token_count but not json',
        '',
        'x\u0000token_count',
      ),
      lineBytes.map((b) => b.toString('latin1')),
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), (lines) => {
        writeFileSync(path, lines.join('\n') + '\n', 'latin1')
        const { js, nat } = bothPaths(path, ctx, codexParser as LineParser<unknown>)
        expect(nat).toEqual(js)
      }),
      { numRuns: 300, seed: 7 },
    )
  })

  it('reads the Claude Code fixture trees to the same records as the JS path, in small steps too', () => {
    const fixtures = join(__dirname, '..', '..', 'fixtures')
    const files: string[] = []
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e)
        if (statSync(p).isDirectory()) walk(p)
        else if (p.endsWith('.jsonl') && /claude|ccusage/.test(p)) files.push(p)
      }
    }
    walk(fixtures)
    expect(files.length).toBeGreaterThan(3)
    let events = 0
    for (const path of files) {
      const ctx = ctxFor(fixtures, path)
      for (const maxBytes of [undefined, 4096]) {
        const { js, nat } = bothPaths(path, ctx, claudeParser as LineParser<unknown>, maxBytes)
        expect(nat).toEqual(js)
        events += js?.events.length ?? 0
      }
    }
    expect(events).toBeGreaterThan(10)
    // And the extractor itself took the fixture's usage lines (not all handed back).
    const sample = files.map((f) => readFileSync(f)).find((b) => b.includes('"usage"'))!
    const out = new Int32Array(HEADER + 4096 * RECORD)
    const nums = new Float64Array(4096 * FIELDS)
    const needle = Buffer.from('"usage"', 'latin1')
    native!.scan(sample, 0, sample.length, [needle], [anchorOf(needle).offset], 1, out, nums)
    let taken = 0
    for (let r = 0; r < (out[3] as number); r++) if (out[HEADER + r * RECORD] === 1) taken++
    expect(taken).toBeGreaterThan(0)
  })
})
