import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { anchorOf, findNeedle } from '../../../src/engine/ingest/read-increment'

/** Bytes drawn mostly from the needle's own, so near misses (`"usag"`, `ge"` alone) are common. */
function haystack(needle: string) {
  const alphabet = [...new Set([...needle, 'x', '\n', '"'])]
  return fc
    .array(fc.oneof(fc.constantFrom(...alphabet), fc.constant(needle), fc.constant(needle.slice(1)), fc.constant(needle.slice(0, -1))), {
      maxLength: 80,
    })
    .map((parts) => Buffer.from(parts.join(''), 'latin1'))
}

describe("needle search from the needle's rarest byte", () => {
  for (const needle of ['"usage"', 'token_count', 'session_meta', '"sessionId"', '"tokens"', 'x', '""']) {
    it(`finds ${needle} exactly where indexOf does, from any start`, () => {
      const n = Buffer.from(needle, 'latin1')
      const anchor = anchorOf(n)
      fc.assert(
        fc.property(haystack(needle), fc.nat(), (view, at) => {
          const from = view.length === 0 ? 0 : at % (view.length + 1)
          expect(findNeedle(view, n, anchor, from)).toBe(view.indexOf(n, from))
        }),
        { numRuns: 400 },
      )
    })
  }

  it('anchors "usage" at its g: the search steps from g to g, not from quote to quote', () => {
    expect(anchorOf(Buffer.from('"usage"')).tail.toString()).toBe('ge"')
  })
})
