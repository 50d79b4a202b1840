import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { FIXTURES, tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, runCli } from './run-cli'

const CURSOR = join(FIXTURES, 'reconcile', 'cursor_usage_export.csv')

describe('tokenwatch reconcile', () => {
  it('prints billed vs counted per day and model as a table, JSON and CSV; usage mistakes are one line, exit 2', () => {
    requireBuild()
    const env = cliEnv(tempDir())
    expect(runCli(['scan'], env).code).toBe(0)
    const json = runCli(['reconcile', CURSOR, '--json'], env)
    expect(json.code).toBe(0)
    const r = JSON.parse(json.stdout) as {
      kind: string
      totals: { billedUsd: number; countedUsd: number }
      lines: { model: string; reason: string; billedTokens: number }[]
    }
    expect(r.kind).toBe('cursor')
    expect(r.totals.countedUsd).toBe(0)
    expect(Math.round(r.totals.billedUsd * 100)).toBe(22)
    expect(r.lines.map((l) => [l.model, l.reason, l.billedTokens])).toEqual([
      ['auto', 'not-counted', 156290],
      ['gpt-5-codex', 'not-counted', 76839],
    ])

    const table = runCli(['reconcile', CURSOR], env)
    expect(table.stdout).toMatch(/^day \(UTC\)\s+model\s+billed\s+counted\s+difference\s+why/)
    expect(table.stdout).toMatch(/total\s+\$0\.22\s+\$0\.00\s+\$0\.22/)

    const csv = runCli(['reconcile', CURSOR, '--csv'], env)
    expect(csv.stdout.split('\r\n')[0]).toBe(
      'day,model,billed_usd,counted_usd,difference_usd,billed_tokens,counted_tokens,unpriced_tokens,reason,note',
    )
    expect(csv.stdout.split('\r\n')[1]).toMatch(/^2025-11-13,auto,0\.19,0,0\.19,156290,0,0,not-counted,/)

    for (const args of [
      ['reconcile'],
      ['reconcile', join(tempDir(), 'missing.csv')],
      ['reconcile', CURSOR, '--json', '--csv'],
      ['reconcile', join(FIXTURES, 'reconcile', 'README.md')],
    ]) {
      const bad = runCli(args, env)
      expect(bad.code, args.join(' ')).toBe(2)
      expect(bad.stderr.trim().split('\n')[0], args.join(' ')).toMatch(/^tokenwatch reconcile: /)
    }
  })
})
