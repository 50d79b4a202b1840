import { describe, expect, it } from 'vitest'
import { csvField, reportedCost, reportToCsv, usdText } from '../../../src/engine/export/csv'
import type { Report, ReportRow } from '../../../src/shared/contract'
import { parseCsv } from './csv-reader'

const figures = { input: 1, output: 2, cacheRead: 3, cacheWrite: 4, requests: 5, costUsd: 0.000000123, unpricedTokens: 0 }

describe('csvField', () => {
  it('quotes commas, quotes and line breaks per RFC 4180; leaves plain text alone', () => {
    expect(csvField('plain text')).toBe('plain text')
    expect(csvField('a,b')).toBe('"a,b"')
    expect(csvField('say "hi"')).toBe('"say ""hi"""')
    expect(csvField('line1\nline2')).toBe('"line1\nline2"')
    expect(csvField('cr\rhere')).toBe('"cr\rhere"')
    expect(csvField('crlf\r\nhere')).toBe('"crlf\r\nhere"')
    expect(csvField('')).toBe('')
    expect(csvField('ünïcödé 🙂')).toBe('ünïcödé 🙂')
  })

  it('neutralizes text a spreadsheet would run as a formula', () => {
    expect(csvField('=HYPERLINK("http://x","y")')).toBe(`"'=HYPERLINK(""http://x"",""y"")"`)
    expect(csvField('+1+1')).toBe("'+1+1")
    expect(csvField('-2+3')).toBe("'-2+3")
    expect(csvField('@SUM(A1)')).toBe("'@SUM(A1)")
    expect(csvField('\tx')).toBe("'\tx")
    expect(csvField('\rx')).toBe(`"'\rx"`)
    expect(csvField('a=b')).toBe('a=b')
    expect(csvField(' =x')).toBe(' =x')
  })

  it('writes numbers as they are (negative ones too), and nothing for null, undefined or non-finite', () => {
    expect(csvField(123456789012)).toBe('123456789012')
    expect(csvField(-5)).toBe('-5')
    expect(csvField(0.5)).toBe('0.5')
    expect(csvField(null)).toBe('')
    expect(csvField(undefined)).toBe('')
    expect(csvField(Number.NaN)).toBe('')
    expect(csvField(Infinity)).toBe('')
  })
})

describe('usdText and reportedCost', () => {
  it('prints nano-USD precision without float noise or trailing zeros', () => {
    expect(usdText(0)).toBe('0')
    expect(usdText(10)).toBe('10')
    expect(usdText(0.1 + 0.2)).toBe('0.3')
    expect(usdText(1.5)).toBe('1.5')
    expect(usdText(123_456_789e-9)).toBe('0.123456789')
    expect(usdText(1234.000000001)).toBe('1234.000000001')
  })

  it('is empty (unknown) only when the figures are wholly unpriced', () => {
    expect(reportedCost({ ...figures, costUsd: 0, unpricedTokens: 10 })).toBeNull()
    expect(reportedCost({ ...figures, costUsd: 0.5, unpricedTokens: 10 })).toBe(0.5)
    expect(reportedCost({ ...figures, costUsd: 0, unpricedTokens: 0 })).toBe(0)
  })
})

describe('reportToCsv', () => {
  it('one column per grouped dimension, then the figures; CRLF after every record; readable back', () => {
    const rows: ReportRow[] = [
      { day: '2026-03-01', project: '/work/a,b', ...figures },
      { day: '2026-03-01', project: '=cmd|"/c calc"!A1', ...figures, costUsd: 0, unpricedTokens: 15 },
      { day: '2026-03-02', project: 'multi\r\nline', ...figures, costUsd: 12.5 },
    ]
    const report: Report = { rows, totals: figures, unpricedModels: [] }
    const text = reportToCsv(report, ['day', 'project'])
    expect(text.endsWith('\r\n')).toBe(true)
    expect(
      text
        .replace(/"[^"]*(?:""[^"]*)*"/g, '')
        .split('\r\n')
        .every((l) => !l.includes('\n') && !l.includes('\r')),
    ).toBe(true)
    expect(parseCsv(text)).toEqual([
      ['day', 'project', 'input', 'output', 'cacheRead', 'cacheWrite', 'requests', 'costUsd', 'unpricedTokens'],
      ['2026-03-01', '/work/a,b', '1', '2', '3', '4', '5', '0.000000123', '0'],
      ['2026-03-01', `'=cmd|"/c calc"!A1`, '1', '2', '3', '4', '5', '', '15'],
      ['2026-03-02', 'multi\r\nline', '1', '2', '3', '4', '5', '12.5', '0'],
    ])
  })

  it('an empty report is just the header', () => {
    expect(reportToCsv({ rows: [], totals: figures, unpricedModels: [] }, [])).toBe(
      'input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens\r\n',
    )
  })
})
