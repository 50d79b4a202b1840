import { describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { agentStore, line, liveThenRestart, rng } from '../agent-support'

const FIXTURE = join(FIXTURES, 'openclaw', 'codeburn_openclaw_test_ts_SESSION_LINES.jsonl')

/** An OPENCLAW_DIR holding the fixture as agent `main`'s session. */
function home(): { root: string; sessions: string; file: string } {
  const root = join(tempDir(), '.openclaw')
  const sessions = join(root, 'agents', 'main', 'sessions')
  mkdirSync(sessions, { recursive: true })
  const file = join(sessions, 'test-sess-1.jsonl')
  copyFileSync(FIXTURE, file)
  return { root, sessions, file }
}

const assistant = (id: string, ts: string, input: number, output: number, extra: Record<string, unknown> = {}) =>
  line({
    type: 'message',
    id,
    timestamp: ts,
    message: { role: 'assistant', usage: { input, output, cacheRead: 0, cacheWrite: 0, totalTokens: input + output }, ...extra },
  })

describe('openclaw: agent session transcripts (append logs)', () => {
  it("the fixture: 500 + 600 in, 100 + 200 out, 300 cache read, 50 cache write; OpenClaw's cost (0.05) kept", async () => {
    const { root } = home()
    const t = agentStore('openclaw', { OPENCLAW_DIR: root })
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: `openclaw:a1:${Date.parse('2026-04-20T10:00:03.000Z')}`,
        ts: Date.parse('2026-04-20T10:00:03.000Z'),
        model: 'claude-sonnet-4-6',
        project: '/tmp',
        sessionId: 'test-sess-1',
        input: 500,
        output: 100,
        cacheRead: 200,
        cacheWrite: 50,
      },
      {
        key: `openclaw:a2:${Date.parse('2026-04-20T10:00:05.000Z')}`,
        ts: Date.parse('2026-04-20T10:00:05.000Z'),
        model: 'claude-sonnet-4-6',
        project: '/tmp',
        sessionId: 'test-sess-1',
        input: 600,
        output: 200,
        cacheRead: 100,
        cacheWrite: 0,
      },
    ])
    expect(t.store.db.prepare('SELECT sum(reported_cost_nusd) FROM usage_events').pluck().get()).toBe(50_000_000)
  })

  it("a message without its own model takes the last model_change's", async () => {
    const { root, file } = home()
    appendFileSync(
      file,
      line({ type: 'model_change', provider: 'openai', modelId: 'gpt-5.2' }) + assistant('a3', '2026-04-20T10:01:00.000Z', 7, 3),
    )
    const t = agentStore('openclaw', { OPENCLAW_DIR: root })
    await t.scan()
    expect(t.rows().at(-1)).toMatchObject({ model: 'gpt-5.2', input: 7, output: 3 })
  })

  it('a session deleted or reset (renamed to .jsonl.deleted.<ts> / .jsonl.reset.<ts>) counts once', async () => {
    const { root, sessions, file } = home()
    const t = agentStore('openclaw', { OPENCLAW_DIR: root })
    await t.scan()
    renameSync(file, join(sessions, 'test-sess-1.jsonl.reset.2026-04-21T06-34-44.520Z'))
    copyFileSync(
      join(sessions, 'test-sess-1.jsonl.reset.2026-04-21T06-34-44.520Z'),
      join(sessions, 'test-sess-1.jsonl.deleted.1776900000000'),
    )
    writeFileSync(join(sessions, 'test-sess-1.json'), '{"not":"a session"}')
    await t.scan()
    expect(t.totals()).toEqual({ input: 1100, output: 300, cacheRead: 300, cacheWrite: 50, requests: 2 })
  })

  it('a generated tree over the old homes (.clawdbot, .moltbot): re-read copies, malformed and bad lines skipped by reason', async () => {
    const rand = rng(3)
    const dir = tempDir()
    const expected = { input: 0, output: 0, requests: 0 }
    let malformed = 0
    let bad = 0
    for (const h of ['.openclaw', '.clawdbot', '.moltbot']) {
      for (let a = 0; a < 2; a++) {
        const sessions = join(dir, h, 'agents', `agent${a}`, 'sessions')
        mkdirSync(sessions, { recursive: true })
        for (let f = 0; f < 3; f++) {
          const id = `${h.slice(1)}-${a}-${f}`
          let text = line({ type: 'session', version: 3, id, timestamp: '2026-05-01T00:00:00.000Z', cwd: '/w' })
          text += line({ type: 'model_change', provider: 'anthropic', modelId: 'claude-opus-4-6' })
          for (let m = 0; m < 30; m++) {
            const input = 1 + Math.floor(rand() * 500)
            const output = 1 + Math.floor(rand() * 100)
            text += assistant(
              `${id}-${m}`,
              new Date(Date.parse('2026-05-01T00:00:00Z') + (f * 50 + m) * 90_000).toISOString(),
              input,
              output,
            )
            expected.input += input
            expected.output += output
            expected.requests++
            if (m === 11) {
              text += '{"type":"message","message":{"usage":\n'
              malformed++
            }
            if (m === 19) {
              text += line({ type: 'message', id: 'bad', timestamp: 'yesterday', message: { role: 'assistant', usage: { input: 1 } } })
              bad++
            }
          }
          writeFileSync(join(sessions, `${id}.jsonl`), text)
          if (f === 2) {
            // The reset copy repeats the whole transcript: counted once.
            writeFileSync(join(sessions, `${id}.jsonl.reset.2026-05-02T00-00-00.000Z`), text)
            malformed++
            bad++
          }
        }
      }
    }
    const t = agentStore('openclaw', {})
    const sources = t.sources
    expect(sources[0]?.roots()).toEqual(['.openclaw', '.clawdbot', '.moltbot', '.moldbot'].map((h) => join(t.dir, h)))
    const s = agentStore('openclaw', { OPENCLAW_DIR: ['.openclaw', '.clawdbot', '.moltbot'].map((h) => join(dir, h)).join(',') })
    const scan = await s.scan()
    expect(scan.skipReasons).toEqual({ 'malformed-json': malformed, 'bad-field': bad })
    const got = s.totals()
    expect({ input: got.input, output: got.output, requests: got.requests }).toEqual(expected)
    expectAggregatesMatchLedger(s.store)
    // A restart on the same store reads nothing again.
    s.reopen()
    const again = await s.scan()
    expect(again.filesRead).toBe(0)
    expect(s.totals().requests).toBe(expected.requests)
  })

  it('live: a message OpenClaw appends while the engine runs counts within seconds; a restart reads nothing again', async () => {
    const { root, file } = home()
    expect(readFileSync(file, 'utf8').endsWith('\n')).toBe(true)
    await liveThenRestart(
      'openclaw',
      { OPENCLAW_DIR: root },
      { requests: 2, input: 1100, output: 300 },
      () => appendFileSync(file, assistant('live', '2026-04-20T11:00:00.000Z', 10, 1, { model: 'claude-sonnet-4-6' })),
      { requests: 3, input: 1110, output: 301 },
    )
  })
})
