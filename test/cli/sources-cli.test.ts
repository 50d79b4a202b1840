import { beforeAll, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { layout, tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, runCli } from './run-cli'
import { fixtureMessage, OpenCodeDb } from '../engine/sources/opencode/support'

beforeAll(requireBuild)

describe('tokenwatch scan and report --source with the new sources', () => {
  it('reads Gemini CLI chats (GEMINI_CLI_HOME) and opencode.db (OPENCODE_DB); --source takes their ids', () => {
    const dir = tempDir()
    layout(dir, {
      'gemini/tmp/proj/chats/session-a.jsonl': 'gemini/agentsview_jsonl_stream.from_test.jsonl',
      'gemini/tmp/proj/chats/session-b.json': 'gemini/agentsview_standard_session.legacy.json',
    })
    const agent = new OpenCodeDb(join(dir, 'oc', 'opencode.db'))
    agent.session('ses_test001')
    agent.message('msg_test001', 'ses_test001', fixtureMessage(), 1733011260000)
    agent.close()
    const env = { ...cliEnv(dir), GEMINI_CLI_HOME: join(dir, 'gemini'), OPENCODE_DB: join(dir, 'oc', 'opencode.db') }
    expect(runCli(['scan'], env).code).toBe(0)
    const report = (source: string) => {
      const r = runCli(['report', '--json', '--tz', 'UTC', '--source', source], env)
      expect(r.code, r.stderr).toBe(0)
      return (JSON.parse(r.stdout) as { totals: Record<string, number> }).totals
    }
    expect(report('gemini-cli')).toMatchObject({ input: 9184 + 3500, output: 26 + 650, cacheRead: 150, requests: 3 })
    expect(report('opencode')).toMatchObject({ input: 1000, output: 500, cacheRead: 200, cacheWrite: 100, requests: 1 })
    const bad = runCli(['report', '--source', 'gemini'], env)
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('unknown source gemini (use ')
    expect(bad.stderr).toContain('gemini-cli')
  })
})
