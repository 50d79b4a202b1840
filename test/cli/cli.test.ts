import { beforeAll, describe, expect, it } from 'vitest'
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { layout, tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, runCli, startServe } from './run-cli'

beforeAll(requireBuild)

const CLAUDE_FILES = {
  'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl',
  'claude/projects/project-beta/session-beta/chat.jsonl': 'ccusage/claude_project-beta_chat.jsonl',
  'claude/projects/spotter/4d5611e5.jsonl': 'claude_real/DERIVED_spotter_4d5611e5_usage_rows_content_stripped.jsonl',
  'codex/sessions/2026/01/01/rollout-alpha.jsonl': 'ccusage/codex_session-alpha.jsonl',
}

describe('tokenwatch scan', () => {
  it('prints counts as JSON on stdout only, and a rescan reads nothing new', () => {
    const dir = tempDir()
    layout(dir, CLAUDE_FILES)
    const env = cliEnv(dir)
    const first = runCli(['scan', '--json'], env)
    expect(first.code).toBe(0)
    const s = JSON.parse(first.stdout)
    expect(s).toMatchObject({ files: 4, filesRead: 4, events: 57, inserted: 30, duplicates: 27, skipped: 0, errors: [] })
    // The 50 streamed DERIVED rows are 23 requests; 5 ccusage rows; 2 Codex turns.
    expect(s.unpricedModels).toEqual([])
    const again = JSON.parse(runCli(['scan', '--json'], env).stdout)
    expect(again).toMatchObject({ files: 4, filesRead: 0, bytes: 0, events: 0, inserted: 0 })
  })

  it('counts malformed lines per file and keeps going', () => {
    const dir = tempDir()
    layout(dir, { 'claude/projects/p/a.jsonl': 'ccusage/claude_project-beta_chat.jsonl' })
    appendFileSync(
      join(dir, 'claude/projects/p/a.jsonl'),
      '{"message":{"usage":{"input_tokens":1}\n{"message":{"id":"x","model":"m","usage":{"input_tokens":-5}},"timestamp":"2026-02-03T08:00:00Z"}\n',
    )
    const s = JSON.parse(runCli(['scan', '--json'], cliEnv(dir)).stdout)
    expect(s).toMatchObject({ inserted: 2, skipped: 2, skipReasons: { 'malformed-json': 1, 'bad-field': 1 } })
  })
})

describe('tokenwatch report', () => {
  it('--json groups by day and model in the given zone, with exact totals', () => {
    const dir = tempDir()
    layout(dir, CLAUDE_FILES)
    const env = cliEnv(dir)
    runCli(['scan'], env)
    const r = runCli(['report', '--json', '--tz', 'UTC', '--group-by', 'day,model', '--since', '2026-01-09', '--until', '2026-01-10'], env)
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(j.rows.map((x: Record<string, unknown>) => [x.day, x.model, x.input, x.output, x.cacheRead, x.cacheWrite, x.requests])).toEqual([
      ['2026-01-09', 'claude-opus-4-20250514', 200, 75, 20, 50, 1],
      ['2026-01-09', 'claude-sonnet-4-20250514', 100, 50, 10, 25, 1],
      ['2026-01-10', 'claude-sonnet-4-20250514', 300, 125, 40, 0, 1],
    ])
    // costUSD reported in the logs wins: 0.12 + 0.34 + 0.56.
    expect(j.totals).toEqual({ input: 600, output: 250, cacheRead: 70, cacheWrite: 75, requests: 3, costUsd: 1.02, unpricedTokens: 0 })
  })

  it('moves a late-evening UTC request to the next day in +05:45 and labels hours there', () => {
    const dir = tempDir()
    layout(dir, CLAUDE_FILES)
    const env = cliEnv(dir)
    runCli(['scan'], env)
    // msg-alpha-2 is at 12:30Z on 01-09 = 18:15 in Kathmandu; msg-beta-2 at 11:45Z = 17:30.
    const j = JSON.parse(
      runCli(
        [
          'report',
          '--json',
          '--tz',
          'Asia/Kathmandu',
          '--group-by',
          'hour',
          '--since',
          '2026-01-09',
          '--until',
          '2026-01-09',
          '--model',
          'claude-opus-4-20250514',
        ],
        env,
      ).stdout,
    )
    expect(j.rows.map((x: Record<string, unknown>) => [x.hour, x.requests])).toEqual([['2026-01-09T18:00', 1]])
  })

  it('--csv neutralizes formulas and matches RFC 4180', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const log = join(dir, 'claude/projects/p/s.jsonl')
    layout(dir, { 'claude/projects/p/s.jsonl': 'ccusage/claude_project-beta_chat.jsonl' })
    writeFileSync(
      log,
      JSON.stringify({
        timestamp: '2026-02-03T08:00:00Z',
        cwd: '=HYPERLINK("http://x","y"), "quoted"',
        sessionId: 's',
        requestId: 'r',
        message: { id: 'm1', model: 'claude-haiku-4-5-20251001', usage: { input_tokens: 1, output_tokens: 2 } },
      }) + '\n',
    )
    runCli(['scan'], env)
    const csv = runCli(['report', '--csv', '--tz', 'UTC', '--group-by', 'project'], env).stdout
    expect(csv).toBe(
      'project,input,output,cacheRead,cacheWrite,requests,costUsd,unpricedTokens\r\n' +
        '"\'=HYPERLINK(""http://x"",""y""), ""quoted""",1,2,0,0,1,0.000011,0\r\n',
    )
  })

  it('rejects bad arguments with exit code 2 and a one-line reason', () => {
    const env = cliEnv(tempDir())
    expect(runCli(['report', '--group-by', 'colour'], env)).toMatchObject({ code: 2 })
    expect(runCli(['report', '--tz', 'Mars/Base'], env).stderr).toContain('unknown time zone')
    expect(runCli(['report', '--since', '2026-13-01'], env).code).toBe(2)
    expect(runCli(['frobnicate'], env).code).toBe(2)
  })
})

describe('tokenwatch serve', () => {
  it('takes socket and HTTP events, refuses a second writer, and flushes on SIGTERM', async () => {
    const dir = tempDir()
    layout(dir, CLAUDE_FILES)
    const env = cliEnv(dir)
    const served = await startServe(['--port', '0'], env)
    try {
      // The printed link carries a one-time code, never the token.
      expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?code=[\w-]{43}$/)
      expect(served.out()).not.toContain('token=')
      const emit = runCli(['emit', '--agent', 'bot', '--model', 'gpt-5', '--input', '1000', '--output', '10', '--id', 'e-1'], env)
      expect(emit.code).toBe(0)
      expect(JSON.parse(emit.stdout)).toEqual({ ok: true, id: 'e-1' })
      const res = await fetch(served.ingestUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { id: 'e-1', agentId: 'bot', model: 'gpt-5', input: 1000, output: 10 },
          { id: 'e-2', agentId: 'bot', model: 'gpt-5', input: 5, output: 5 },
        ]),
      })
      expect(res.status).toBe(200)
      // A second engine on the same store is refused, clearly; reports keep working.
      const second = runCli(['scan'], env)
      expect(second.code).toBe(1)
      expect(second.stderr).toContain('already writing')
      const j = JSON.parse(runCli(['report', '--json', '--agent', 'bot', '--group-by', 'agent'], env).stdout)
      expect(j.totals).toMatchObject({ input: 1005, output: 15, requests: 2 })
    } finally {
      expect(await served.stop('SIGTERM')).toBe(0)
    }
    expect(served.out()).toContain('SIGTERM: flushing and closing')
    expect(existsSync(join(dir, 'home', 'ingest.sock'))).toBe(false)
    // Once it is gone the store is writable again.
    expect(runCli(['scan'], env).code).toBe(0)
  })
})

describe('backup, restore and a corrupt store', () => {
  it('a corrupt store is moved aside, rebuilt from logs, and pushed events come back from the backup', async () => {
    const dir = tempDir()
    layout(dir, CLAUDE_FILES)
    const env = cliEnv(dir)
    const served = await startServe(['--port', '0', '--no-web'], env)
    runCli(['emit', '--agent', 'bot', '--model', 'gpt-5', '--input', '7', '--output', '3', '--id', 'kept'], env)
    const backup = runCli(['backup'], env)
    expect(backup.code).toBe(0)
    runCli(['emit', '--agent', 'bot', '--model', 'gpt-5', '--input', '100', '--output', '1', '--id', 'after-backup'], env)
    expect(await served.stop()).toBe(0)
    const before = JSON.parse(runCli(['report', '--json', '--group-by', 'source'], env).stdout)
    // Scribble over the middle of the database file.
    const db = join(dir, 'home', 'tokenwatch.db')
    const bytes = readFileSync(db)
    bytes.fill(0x5a, 4096, Math.min(bytes.length, 4096 * 6))
    writeFileSync(db, bytes)
    const scan = runCli(['scan'], env)
    expect(scan.code).toBe(0)
    expect(scan.stderr).toContain('failed its integrity check')
    expect(scan.stderr).toContain('1 pushed events restored')
    const after = JSON.parse(runCli(['report', '--json', '--group-by', 'source'], env).stdout)
    const bySource = (r: { rows: Record<string, unknown>[] }) => Object.fromEntries(r.rows.map((x) => [x.source, x.requests]))
    expect(bySource(before)).toEqual({ 'claude-code': 28, codex: 2, socket: 2 })
    expect(bySource(after)).toEqual({ 'claude-code': 28, codex: 2, socket: 1 })
  })

  it('restore puts a backup back and refuses a broken file', () => {
    const dir = tempDir()
    layout(dir, CLAUDE_FILES)
    const env = cliEnv(dir)
    runCli(['scan'], env)
    const file = join(dir, 'b.db')
    expect(runCli(['backup', '--out', file], env).code).toBe(0)
    writeFileSync(join(dir, 'junk.db'), 'not a database')
    expect(runCli(['restore', join(dir, 'junk.db')], env).code).toBe(2)
    expect(runCli(['restore', file], env).code).toBe(0)
    const j = JSON.parse(runCli(['report', '--json', '--group-by', 'source'], env).stdout)
    expect(j.totals.requests).toBe(30)
  })
})
