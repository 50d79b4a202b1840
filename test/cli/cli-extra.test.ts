import { SOURCE_IDS } from '../../src/shared/sources'
import { beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { layout, tempDir } from '../helpers/temp'
import { CLI, cliEnv, requireBuild, runCli } from './run-cli'

beforeAll(requireBuild)

const CLAUDE = {
  'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl',
  'claude/projects/project-beta/session-beta/chat.jsonl': 'ccusage/claude_project-beta_chat.jsonl',
}
const CODEX = { 'codex/sessions/2026/05/13/rollout-alpha.jsonl': 'ccusage/codex_session-alpha.jsonl' }

/** Claude fixtures scanned as alice, then the Codex rollout as bob. */
function twoUsers(): NodeJS.ProcessEnv {
  const dir = tempDir()
  layout(dir, CLAUDE)
  const env = cliEnv(dir)
  expect(runCli(['scan', '--user', 'alice'], env).code).toBe(0)
  layout(dir, CODEX)
  expect(runCli(['scan', '--user', 'bob'], env).code).toBe(0)
  return env
}

type Row = Record<string, string | number | null>
const report = (env: NodeJS.ProcessEnv, args: string[]) => {
  const r = runCli(['report', '--json', '--tz', 'UTC', ...args], env)
  expect(r.code, r.stderr).toBe(0)
  return JSON.parse(r.stdout) as { rows: Row[]; totals: Row }
}
const pick = (rows: Row[], keys: string[]) => rows.map((r) => keys.map((k) => r[k]))

describe('tokenwatch report: filters', () => {
  it('--source, --user and --project narrow the rows to exactly theirs', () => {
    const env = twoUsers()
    const all = report(env, ['--group-by', 'source,user,project'])
    expect(pick(all.rows, ['source', 'user', 'project', 'input', 'output', 'requests'])).toEqual([
      ['claude-code', 'alice', 'project-alpha', 600, 250, 3],
      ['claude-code', 'alice', 'project-beta', 130, 60, 2],
      // The ccusage rollout has no cwd: its project is empty.
      ['codex', 'bob', '', 2_750, 425, 2],
    ])
    expect(pick(report(env, ['--group-by', 'source', '--source', 'codex']).rows, ['source', 'requests'])).toEqual([['codex', 2]])
    expect(report(env, ['--group-by', 'model', '--source', 'codex']).totals).toMatchObject({
      input: 2_750,
      output: 425,
      cacheRead: 750,
      requests: 2,
    })
    // Repeated and comma-separated values add up.
    expect(report(env, ['--group-by', 'source', '--source', 'codex,claude-code']).totals).toMatchObject({ requests: 7 })
    expect(pick(report(env, ['--group-by', 'user', '--user', 'bob']).rows, ['user', 'input'])).toEqual([['bob', 2_750]])
    expect(pick(report(env, ['--group-by', 'user', '--user', 'alice', '--user', 'bob']).rows, ['user', 'requests'])).toEqual([
      ['alice', 5],
      ['bob', 2],
    ])
    expect(
      pick(report(env, ['--group-by', 'project', '--project', 'project-beta']).rows, ['project', 'input', 'cacheRead', 'cacheWrite']),
    ).toEqual([['project-beta', 130, 40, 15]])
    // Filters combine: alice has no Codex usage.
    expect(report(env, ['--group-by', 'day', '--user', 'alice', '--source', 'codex'])).toMatchObject({
      rows: [],
      totals: { requests: 0, input: 0 },
    })
  })

  it('--source with an unknown value is refused with exit code 2, naming the valid sources', () => {
    const env = cliEnv(tempDir())
    for (const bad of ['claude', 'codex,notepad', 'CODEX']) {
      const r = runCli(['report', '--source', bad], env)
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain('--source: unknown source')
      expect(r.stderr).toContain(`use ${SOURCE_IDS.join(', ')}`)
    }
    // Arguments are checked before the store is opened: a valid --source gets as far as that.
    expect(runCli(['report', '--source', 'socket', '--json'], env).stderr).toContain('no store at')
  })
})

describe('tokenwatch report: the readable table', () => {
  it('aligns labels left and numbers right, with a total row and costs in dollars', () => {
    const dir = tempDir()
    layout(dir, CLAUDE)
    const env = cliEnv(dir)
    runCli(['scan'], env)
    const r = runCli(['report', '--tz', 'UTC', '--group-by', 'day,model', '--until', '2026-01-31'], env)
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(
      [
        'day         model                     input  output  cache read  cache write  requests   cost',
        '----------  ------------------------  -----  ------  ----------  -----------  --------  -----',
        '2026-01-09  claude-opus-4-20250514      200      75          20           50         1  $0.34',
        '2026-01-09  claude-sonnet-4-20250514    100      50          10           25         1  $0.12',
        '2026-01-10  claude-sonnet-4-20250514    300     125          40            0         1  $0.56',
        '----------  ------------------------  -----  ------  ----------  -----------  --------  -----',
        'total                                   600     250          70           75         3  $1.02',
        'times in UTC (from --tz)',
        '',
      ].join('\n'),
    )
  })

  it('an unpriced model is listed by scan and marked in the table, its tokens still counted', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const log = join(dir, 'claude', 'projects', 'p', 's.jsonl')
    mkdirSync(join(log, '..'), { recursive: true })
    writeFileSync(
      log,
      JSON.stringify({
        type: 'assistant',
        timestamp: '2026-02-03T08:00:00Z',
        cwd: '/w',
        sessionId: 's',
        requestId: 'r1',
        message: { id: 'm1', model: 'acme-frontier-9', usage: { input_tokens: 1200, output_tokens: 34 } },
      }) + '\n',
    )
    const scan = runCli(['scan', '--json'], env)
    expect(scan.code).toBe(0)
    expect(JSON.parse(scan.stdout)).toMatchObject({ inserted: 1, unpricedModels: ['acme-frontier-9'] })
    expect(runCli(['scan'], env).stdout).toContain('unpriced   acme-frontier-9\n')
    const table = runCli(['report', '--tz', 'UTC', '--group-by', 'model'], env).stdout
    expect(table.split('\n')[2]).toBe('acme-frontier-9  1,200      34           0            0         1  unpriced')
    expect(table).toContain('\nunpriced models (tokens counted, cost unknown): acme-frontier-9\n')
  })
})

describe('tokenwatch scan: progress on stderr', () => {
  it('a pipe gets no progress bar; stdout holds only the JSON', () => {
    const dir = tempDir()
    layout(dir, CLAUDE)
    const r = runCli(['scan', '--json'], cliEnv(dir))
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 2, inserted: 5 })
  })

  // `script` (util-linux) runs the CLI on a real pseudo-terminal.
  const hasScript = process.platform === 'linux' && spawnSync('script', ['--version']).status === 0
  it.skipIf(!hasScript)('a terminal gets the bar, drawn in place and cleared before the summary', () => {
    const dir = tempDir()
    layout(dir, CLAUDE)
    const r = spawnSync('script', ['-qec', `"${process.execPath}" "${CLI}" scan`, '/dev/null'], {
      env: cliEnv(dir),
      encoding: 'utf8',
      timeout: 30_000,
    })
    expect(r.status).toBe(0)
    const out = r.stdout.replace(/\r\n/g, '\n')
    expect(out.startsWith(`\r[${'#'.repeat(30)}] 100%  2/2 files  0.0/0.0 MiB\r\x1b[K`)).toBe(true)
    expect(out).toContain('files      2 (2 read')
  })
})

describe('tokenwatch report: the time zone rule', () => {
  it('without --tz uses the Settings zone, else the system zone, and says which', () => {
    const dir = tempDir()
    layout(dir, CLAUDE)
    const env = cliEnv(dir) // TZ=UTC: the system zone
    expect(runCli(['scan'], env).code).toBe(0)
    const days = (args: string[]) => JSON.parse(runCli(['report', '--json', '--group-by', 'day', ...args], env).stdout) as { rows: Row[] }
    const table = (args: string[]) =>
      runCli(['report', '--group-by', 'day', ...args], env)
        .stdout.trimEnd()
        .split('\n')
        .at(-1)
    expect(days([])).toEqual(days(['--tz', 'UTC']))
    expect(table([])).toBe('times in UTC (the system time zone; none set in Settings)')
    // The zone chosen in Settings (as the app and the tray use it): days fall as they do there.
    writeFileSync(join(dir, 'home', 'settings.json'), JSON.stringify({ timeZone: 'Pacific/Kiritimati' }))
    const kiritimati = days(['--tz', 'Pacific/Kiritimati'])
    expect(kiritimati).not.toEqual(days(['--tz', 'UTC']))
    expect(days([])).toEqual(kiritimati)
    expect(table([])).toBe('times in Pacific/Kiritimati (the Settings time zone)')
    expect(table(['--tz', 'UTC'])).toBe('times in UTC (from --tz)')
  })
})

describe('tokenwatch report: one cost precision rule', () => {
  it('tables show cents and "<$0.01" for a tiny cost; CSV and JSON keep the exact amount', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const log = join(dir, 'claude', 'projects', 'tiny', 'tiny.jsonl')
    mkdirSync(join(log, '..'), { recursive: true })
    // 100 input tokens of Claude Sonnet 4.5 at $3 per million: $0.0003.
    writeFileSync(
      log,
      JSON.stringify({
        type: 'assistant',
        timestamp: '2026-02-03T08:00:00Z',
        cwd: '/w',
        sessionId: 's',
        requestId: 'r1',
        message: { id: 'm1', model: 'claude-sonnet-4-5-20250929', usage: { input_tokens: 100, output_tokens: 0 } },
      }) + '\n',
    )
    expect(runCli(['scan'], env).code).toBe(0)
    const table = runCli(['report', '--tz', 'UTC', '--group-by', 'model'], env).stdout
    expect(table.split('\n')[2]).toBe('claude-sonnet-4-5-20250929    100       0           0            0         1  <$0.01')
    expect(runCli(['report', '--tz', 'UTC', '--group-by', 'model', '--csv'], env).stdout.split('\r\n')[1]).toBe(
      'claude-sonnet-4-5-20250929,100,0,0,0,1,0.0003,0',
    )
    expect(
      (JSON.parse(runCli(['report', '--tz', 'UTC', '--group-by', 'model', '--json'], env).stdout) as { totals: { costUsd: number } }).totals
        .costUsd,
    ).toBe(0.0003)
  })
})
