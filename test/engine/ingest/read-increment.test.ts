import { describe, expect, it } from 'vitest'
import { appendFileSync, mkdirSync, renameSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readIncrement, type Increment, type StoredFile } from '../../../src/engine/ingest/read-increment'
import { claudeParser } from '../../../src/engine/sources/claude-code/parser'
import type { FileContext } from '../../../src/engine/sources/types'
import { tempDir } from '../../helpers/temp'
import { claudeLine, jsonl } from './support'

const MiB = 1024 * 1024

function setup(): { path: string; ctx: FileContext } {
  const root = tempDir()
  const path = join(root, 'p', 'log.jsonl')
  mkdirSync(join(root, 'p'))
  return { path, ctx: { path, root, userId: 'u' } }
}

function stored(inc: Increment): StoredFile {
  const c = inc.checkpoint
  return { offset: c.offset, size: c.size, mtimeMs: c.mtimeMs, ino: c.ino, fingerprint: c.fingerprint, state: c.state }
}

/** Reads on until done, as scan does; returns every increment. */
function readAll(
  path: string,
  prev: StoredFile | undefined,
  ctx: FileContext,
  maxBytes?: number,
): { incs: Increment[]; last: StoredFile | undefined } {
  const incs: Increment[] = []
  let at = prev
  for (let i = 0; i < 10_000; i++) {
    const inc = readIncrement(path, at, claudeParser, ctx, maxBytes)
    if (!inc) break
    incs.push(inc)
    at = stored(inc)
    if (inc.done) break
  }
  return { incs, last: at }
}

const line = (id: string, output = 5) => claudeLine({ id, ts: '2026-03-01T10:00:00Z', output })
const sum = (incs: Increment[], k: 'lines' | 'events' | 'skipped') => incs.reduce((s, i) => s + i.checkpoint[k], 0)
const reasons = (incs: Increment[]) => {
  const out: Record<string, number> = {}
  for (const i of incs) for (const [k, n] of Object.entries(i.checkpoint.skipReasons)) out[k] = (out[k] ?? 0) + n
  return out
}

describe('readIncrement', () => {
  it('reads only what was appended, and nothing when the file did not change', () => {
    const { path, ctx } = setup()
    writeFileSync(path, jsonl([line('a'), line('b')]))
    const first = readIncrement(path, undefined, claudeParser, ctx)!
    expect(first).toMatchObject({ done: true, bytesRead: Buffer.byteLength(jsonl([line('a'), line('b')])) })
    expect(first.checkpoint).toMatchObject({ expectOffset: null, lines: 2, events: 2, skipped: 0, rewritten: false })
    expect(readIncrement(path, stored(first), claudeParser, ctx)).toBeNull()

    appendFileSync(path, jsonl([line('c')]))
    const second = readIncrement(path, stored(first), claudeParser, ctx)!
    expect(second.bytesRead).toBe(Buffer.byteLength(jsonl([line('c')])))
    expect(second.checkpoint).toMatchObject({ expectOffset: first.checkpoint.offset, lines: 1, events: 1, rewritten: false })
    expect(second.events.map((e) => e.key)).toEqual(['cc:msg_c:req_c'])
  })

  it('a last line without its newline waits, unless it is already whole JSON', () => {
    const { path, ctx } = setup()
    const full = line('a')
    writeFileSync(path, full.slice(0, 40))
    const waiting = readIncrement(path, undefined, claudeParser, ctx)!
    expect(waiting).toMatchObject({ bytesRead: 0, done: true, events: [] })
    expect(waiting.checkpoint.offset).toBe(0)

    appendFileSync(path, full.slice(40))
    // Whole JSON without a newline: taken now (Claude Code may not write the newline until later).
    const taken = readIncrement(path, stored(waiting), claudeParser, ctx)!
    expect(taken.events).toHaveLength(1)
    expect(taken.checkpoint.offset).toBe(full.length)

    // The newline arrives with the next line: the first line is not read again.
    appendFileSync(path, '\n' + line('b') + '\n')
    const next = readIncrement(path, stored(taken), claudeParser, ctx)!
    expect(next.events.map((e) => e.key)).toEqual(['cc:msg_b:req_b'])
    expect(next.checkpoint.lines).toBe(1)
  })

  it('CRLF line ends, empty lines and lines without the needle are read but not parsed', () => {
    const { path, ctx } = setup()
    writeFileSync(path, `${line('a')}\r\n\r\n\n{"type":"user","text":"not json at all\n   \n${line('b')}\r\n`)
    const inc = readIncrement(path, undefined, claudeParser, ctx)!
    expect(inc.events.map((e) => e.output)).toEqual([5, 5])
    // Empty lines (LF or CRLF) are no lines; a line without "usage" is counted, never parsed.
    expect(inc.checkpoint).toMatchObject({ events: 2, skipped: 0, lines: 4 })
  })

  it('invalid UTF-8 and malformed JSON lines carrying the needle are skipped and counted by reason', () => {
    const { path, ctx } = setup()
    const bad = Buffer.concat([Buffer.from('{"usage": "'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}\n')])
    writeFileSync(path, Buffer.concat([Buffer.from(line('a') + '\n'), bad, Buffer.from('{"message": {"usage": \n' + line('b') + '\n')]))
    const inc = readIncrement(path, undefined, claudeParser, ctx)!
    expect(inc.events).toHaveLength(2)
    expect(inc.checkpoint).toMatchObject({ lines: 4, skipped: 2, skipReasons: { 'invalid-utf8': 1, 'malformed-json': 1 } })
  })

  it('a small read budget splits the work but not the result', () => {
    const { path, ctx } = setup()
    // About 4 MiB; reads go by 1 MiB chunks, so a 1-byte budget gives one increment per chunk.
    const lines = Array.from({ length: 12_000 }, (_, i) => line(`m${i}`, i))
    writeFileSync(path, jsonl(lines))
    const one = readAll(path, undefined, ctx)
    const many = readAll(path, undefined, ctx, 1)
    expect(one.incs).toHaveLength(1)
    expect(many.incs.length).toBe(Math.ceil(one.incs[0]!.bytesRead / MiB))
    // Every increment but the last says "more is waiting" and forces the next read.
    expect(many.incs.slice(0, -1).every((i) => !i.done && i.checkpoint.size === -1)).toBe(true)
    expect(many.incs.flatMap((i) => i.events)).toEqual(one.incs[0]!.events)
    expect(sum(many.incs, 'lines')).toBe(12_000)
    expect(many.last).toEqual(one.last)
  })

  it('detects a rewrite in place, a truncation and a replacement, and restarts at 0', () => {
    const { path, ctx } = setup()
    writeFileSync(path, jsonl([line('a'), line('b')]))
    const first = stored(readIncrement(path, undefined, claudeParser, ctx)!)

    // Rewritten in place with the same prefix plus more: read on, no restart.
    writeFileSync(path, jsonl([line('a'), line('b'), line('c')]))
    const grown = readIncrement(path, first, claudeParser, ctx)!
    expect(grown.checkpoint.rewritten).toBe(false)
    expect(grown.events.map((e) => e.key)).toEqual(['cc:msg_c:req_c'])

    // Rewritten in place, same size, other bytes just before the offset: restart.
    writeFileSync(path, jsonl([line('c'), line('a'), line('b')]))
    utimesSync(path, new Date(), new Date(Date.now() + 5000)) // a later write (tests run within one ms)
    const rewritten = readIncrement(path, stored(grown), claudeParser, ctx)!
    expect(rewritten.checkpoint).toMatchObject({ rewritten: true, lines: 3 })
    expect(rewritten.events.map((e) => e.key)).toEqual(['cc:msg_c:req_c', 'cc:msg_a:req_a', 'cc:msg_b:req_b'])

    // Truncated below the offset: restart.
    truncateSync(path, 0)
    appendFileSync(path, jsonl([line('d')]))
    const truncated = readIncrement(path, stored(rewritten), claudeParser, ctx)!
    expect(truncated.checkpoint).toMatchObject({ rewritten: true, offset: Buffer.byteLength(jsonl([line('d')])) })

    // Replaced by another file (new inode) that is longer: restart even though the size grew.
    const tmp = path + '.tmp'
    writeFileSync(tmp, jsonl([line('d'), line('e')]))
    renameSync(tmp, path)
    const replaced = readIncrement(path, stored(truncated), claudeParser, ctx)!
    expect(replaced.checkpoint.rewritten).toBe(true)
    expect(replaced.events).toHaveLength(2)
  })

  it('a 20 MiB line is skipped as line-too-long without losing the lines around it', () => {
    const { path, ctx } = setup()
    const huge = claudeLine({ id: 'huge', ts: '2026-03-01T10:00:00Z', output: 1_000, extra: { content: 'x'.repeat(20 * MiB) } })
    writeFileSync(path, jsonl([line('a'), huge, line('b')]))
    const { incs } = readAll(path, undefined, ctx)
    expect(incs.flatMap((i) => i.events.map((e) => e.key))).toEqual(['cc:msg_a:req_a', 'cc:msg_b:req_b'])
    expect(sum(incs, 'lines')).toBe(3)
    expect(reasons(incs)).toEqual({ 'line-too-long': 1 })
  })

  it('a line over twice the limit is skipped once, whatever the read budget', () => {
    const { path, ctx } = setup()
    const huge = `{"usage":"${'y'.repeat(40 * MiB)}", "usage2": {"usage": 1}}`
    writeFileSync(path, jsonl([line('a'), huge, line('b')]))
    for (const budget of [undefined, 1000]) {
      const { incs } = readAll(path, undefined, ctx, budget)
      expect(incs.flatMap((i) => i.events.map((e) => e.key))).toEqual(['cc:msg_a:req_a', 'cc:msg_b:req_b'])
      expect(sum(incs, 'lines')).toBe(3)
      expect(reasons(incs)).toEqual({ 'line-too-long': 1 })
    }
  })

  it('an over-long last line still being written waits for its end, then is skipped once', () => {
    const { path, ctx } = setup()
    writeFileSync(path, jsonl([line('a')]) + `{"usage":"${'z'.repeat(20 * MiB)}`)
    const before = readAll(path, undefined, ctx)
    expect(sum(before.incs, 'events')).toBe(1)
    expect(reasons(before.incs)).toEqual({})
    // Its tail must not be read later as a line of its own.
    appendFileSync(path, '", "more": {"usage": {"output_tokens": 1}}}\n' + line('b') + '\n')
    const after = readAll(path, before.last, ctx)
    expect(after.incs.flatMap((i) => i.events.map((e) => e.key))).toEqual(['cc:msg_b:req_b'])
    expect(sum(after.incs, 'lines')).toBe(2)
    expect(reasons(after.incs)).toEqual({ 'line-too-long': 1 })
  })
})
