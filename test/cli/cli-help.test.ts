import { beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { layout, tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, runCli } from './run-cli'

beforeAll(requireBuild)

const COMMANDS = ['scan', 'report', 'blocks', 'budgets', 'sync', 'machine', 'reconcile', 'statusline', 'serve', 'emit', 'backup', 'restore']

describe('tokenwatch --help and --version', () => {
  it('every command answers --help with its own usage and exit 0, touching nothing', () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    for (const c of COMMANDS) {
      for (const flag of ['--help', '-h']) {
        const r = runCli([c, flag], env)
        expect(r.code, `${c} ${flag}: ${r.stderr}`).toBe(0)
        expect(r.stdout, c).toContain(`tokenwatch ${c}`)
        expect(r.stderr, c).toBe('')
      }
    }
    // Help reads nothing and writes nothing: no store was created.
    expect(readdirSync(dir)).not.toContain('home')
  })

  it('--version prints the package version', () => {
    const pkg = JSON.parse(readFileSync(resolve(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }
    for (const flag of ['--version', '-v']) {
      const r = runCli([flag], cliEnv(tempDir()))
      expect(r.code).toBe(0)
      expect(r.stdout).toBe(`tokenwatch ${pkg.version}\n`)
    }
  })
})

describe('ccusage-style days and clear usage messages', () => {
  it('--since 20260513 and --until 20260513 mean the same days as 2026-05-13', () => {
    const dir = tempDir()
    layout(dir, { 'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl' })
    const env = cliEnv(dir)
    expect(runCli(['scan'], env).code).toBe(0)
    const iso = runCli(['report', '--json', '--tz', 'UTC', '--since', '2026-05-13', '--until', '2026-05-13'], env)
    const compact = runCli(['report', '--json', '--tz', 'UTC', '--since', '20260513', '--until', '20260513'], env)
    expect(compact.code, compact.stderr).toBe(0)
    expect(JSON.parse(compact.stdout)).toEqual(JSON.parse(iso.stdout))
    const bad = runCli(['report', '--since', '2026113'], env)
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--since: expected YYYY-MM-DD or YYYYMMDD, got "2026113"')
  })

  it('emit --input -5 says the count must be a non-negative integer (not "ambiguous")', () => {
    const env = cliEnv(tempDir())
    for (const flag of ['--input', '--output', '--cache-read', '--cache-write']) {
      const r = runCli(['emit', '--agent', 'a', '--model', 'm', flag, '-5'], env)
      expect(r.code).toBe(2)
      expect(r.stderr.split('\n')[0]).toBe(`tokenwatch emit: ${flag}: must be a non-negative integer, got "-5"`)
    }
    const cost = runCli(['emit', '--agent', 'a', '--model', 'm', '--cost-usd', '-1.5'], env)
    expect(cost.code).toBe(2)
    expect(cost.stderr.split('\n')[0]).toBe('tokenwatch emit: --cost-usd: must be a non-negative number')
  })

  it('backup --out <folder> writes the backup into that folder and prints its path', () => {
    const dir = tempDir()
    layout(dir, { 'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl' })
    const env = cliEnv(dir)
    expect(runCli(['scan'], env).code).toBe(0)
    const folder = join(dir, 'backups-here')
    mkdirSync(folder)
    const r = runCli(['backup', '--out', folder], env)
    expect(r.code, r.stderr).toBe(0)
    const written = r.stdout.trim()
    expect(written.startsWith(`${folder}/tokenwatch-`)).toBe(true)
    expect(readdirSync(folder)).toEqual([written.slice(folder.length + 1)])
    // The copy is a real store: restoring it into a fresh place works.
    const restored = runCli(['restore', written, '--db', join(dir, 'other', 'tokenwatch.db')], env)
    expect(restored.code, restored.stderr).toBe(0)
  })
})
