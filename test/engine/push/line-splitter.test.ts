import { describe, expect, it } from 'vitest'
import { createLineSplitter, type SplitItem } from '../../../src/engine/push/line-splitter'

const lines = (items: SplitItem[]) => items.map((i) => (i.kind === 'line' ? i.text : '<oversize>'))

describe('createLineSplitter', () => {
  it('joins lines split across chunks, even inside a multi-byte character', () => {
    const s = createLineSplitter()
    const bytes = Buffer.from('{"a":"é"}\n{"b":1}\r\n\n  \n{"c"')
    const cut = bytes.indexOf(0xc3) + 1 // between the two bytes of é
    expect(lines(s.push(bytes.subarray(0, cut)))).toEqual([])
    expect(lines(s.push(bytes.subarray(cut)))).toEqual(['{"a":"é"}', '{"b":1}'])
    expect(s.buffered).toBe(4)
    expect(lines(s.push(Buffer.from(':2}\n')))).toEqual(['{"c":2}'])
    expect(s.buffered).toBe(0)
  })

  it('refuses an oversize line at once, drops it up to the newline, never holding more than the limit', () => {
    const s = createLineSplitter(10)
    expect(lines(s.push(Buffer.from('ok\n12345')))).toEqual(['ok'])
    expect(lines(s.push(Buffer.from('678901')))).toEqual(['<oversize>'])
    expect(s.buffered).toBe(0)
    expect(lines(s.push(Buffer.alloc(100_000, 0x61)))).toEqual([])
    expect(s.buffered).toBe(0)
    expect(lines(s.push(Buffer.from('zzz\nnext\n')))).toEqual(['next'])
  })

  it('accepts a line of exactly the limit and refuses one byte more', () => {
    const s = createLineSplitter(10)
    expect(lines(s.push(Buffer.from('0123456789\n01234567890\nx\n')))).toEqual(['0123456789', '<oversize>', 'x'])
  })
})
