import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { csvField } from '../../../src/engine/export/csv'
import { parseCsv } from '../export/csv-reader'

const FORMULA_START = /^[=+\-@\t\r]/

/** Strings rich in the characters CSV cares about. */
const field = fc.oneof(
  fc.string({ unit: 'grapheme-composite' }),
  fc.string({ unit: fc.constantFrom('"', ',', '\r', '\n', '=', '+', '-', '@', '\t', "'", 'a', ' ', 'é', '🙂') }),
  fc.string({ unit: 'binary' }),
)

describe('property: CSV fields round-trip through an RFC 4180 reader', () => {
  it('any record of any strings reads back as written (formula-like text with its apostrophe)', () => {
    fc.assert(
      fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 5 }), (records) => {
        const text = records.map((r) => r.map(csvField).join(',') + '\r\n').join('')
        const expected = records.map((r) => r.map((s) => (FORMULA_START.test(s) ? `'${s}` : s)))
        expect(parseCsv(text)).toEqual(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('no field a spreadsheet reads starts a formula', () => {
    fc.assert(
      fc.property(field, (s) => {
        const [[cell]] = parseCsv(csvField(s) + '\r\n') as [[string]]
        expect(FORMULA_START.test(cell)).toBe(false)
      }),
      { numRuns: 500 },
    )
  })
})
