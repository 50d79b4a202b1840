import { describe, expect, it } from 'vitest'
import { appendFileSync, copyFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { agentStore, line, liveThenRestart, rng } from '../agent-support'

/** A PI_AGENT_DIR (sessions folder) holding the fixture sessions, laid out as pi does. */
function sessions(): { root: string; file: string } {
  const root = join(tempDir(), 'sessions')
  const proj = join(root, '--Users-test-myproject--')
  mkdirSync(proj, { recursive: true })
  const file = join(proj, '2026-04-14T10-00-00-000Z_sess-001.jsonl')
  copyFileSync(join(FIXTURES, 'pi', 'codeburn_pi_test_ts_session.jsonl'), file)
  mkdirSync(join(root, 'project-a'))
  copyFileSync(join(FIXTURES, 'pi', 'ccusage_pi_parser_rs_total_tokens_only.jsonl'), join(root, 'project-a', 'agent_session-a.jsonl'))
  return { root, file }
}

const assistant = (id: string, ts: string, input: number, output: number, cacheRead = 0) =>
  line({
    type: 'message',
    id,
    timestamp: ts,
    message: {
      role: 'assistant',
      model: 'claude-sonnet-4-5',
      provider: 'anthropic',
      usage: { input, output, cacheRead, cacheWrite: 0, totalTokens: input + output + cacheRead },
    },
  })

describe('pi: session transcripts (append logs)', () => {
  it("the fixtures: 1,000 + 500 in, 200 + 100 out, 2,000 cached, pi's own cost kept; a totalTokens-only line counts as output (as ccusage)", async () => {
    const { root } = sessions()
    const t = agentStore('pi', { PI_AGENT_DIR: root })
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: 'pi:session-a:@1',
        ts: Date.parse('2026-01-02T00:00:00.000Z'),
        model: 'gpt-5',
        project: 'project-a',
        sessionId: 'session-a',
        input: 0,
        output: 333,
        cacheRead: 0,
        cacheWrite: 0,
      },
      {
        key: `pi:msg-asst-1:${Date.parse('2026-04-14T10:00:30.000Z')}`,
        ts: Date.parse('2026-04-14T10:00:30.000Z'),
        model: 'gpt-5.4',
        project: '/Users/test/myproject',
        sessionId: 'sess-001',
        input: 1000,
        output: 200,
        cacheRead: 0,
        cacheWrite: 0,
      },
      {
        key: `pi:msg-asst-2:${Date.parse('2026-04-14T10:01:00.000Z')}`,
        ts: Date.parse('2026-04-14T10:01:00.000Z'),
        model: 'gpt-5.4',
        project: '/Users/test/myproject',
        sessionId: 'sess-001',
        input: 500,
        output: 100,
        cacheRead: 2000,
        cacheWrite: 0,
      },
    ])
    expect(t.store.db.prepare('SELECT sum(reported_cost_nusd) FROM usage_events').pluck().get()).toBe(11_000_000)
  })

  it("PI_CODING_AGENT_DIR (pi's own: the agent folder) and the default ~/.pi/agent/sessions are read", async () => {
    const { root } = sessions()
    const agentDir = join(root, '..')
    renameSync(root, join(agentDir, 'sessions-x'))
    mkdirSync(join(agentDir, 'agent'))
    renameSync(join(agentDir, 'sessions-x'), join(agentDir, 'agent', 'sessions'))
    const t = agentStore('pi', { PI_CODING_AGENT_DIR: join(agentDir, 'agent') })
    await t.scan()
    expect(t.totals().requests).toBe(3)
    expect(t.sources[0]?.roots()).toEqual([join(agentDir, 'agent', 'sessions')])
  })

  it('a generated tree: forked sessions repeating entries, a rewritten file, malformed and bad lines skipped by reason, read whole or in steps', async () => {
    const rand = rng(7)
    const root = join(tempDir(), 'sessions')
    const expected = { input: 0, output: 0, cacheRead: 0, requests: 0 }
    const files: { path: string; lines: string[] }[] = []
    let malformed = 0
    let bad = 0
    for (let p = 0; p < 3; p++) {
      const proj = join(root, `--w-p${p}--`)
      mkdirSync(proj, { recursive: true })
      const base: string[] = [line({ type: 'session', version: 3, id: `s${p}`, timestamp: '2026-06-01T00:00:00.000Z', cwd: `/w/p${p}` })]
      for (let m = 0; m < 60; m++) {
        const ts = new Date(Date.parse('2026-06-01T00:00:00Z') + (p * 100 + m) * 60_000).toISOString()
        const input = 1 + Math.floor(rand() * 900)
        const output = 1 + Math.floor(rand() * 300)
        const cached = Math.floor(rand() * 5000)
        base.push(line({ type: 'message', id: `u${p}-${m}`, timestamp: ts, message: { role: 'user', content: 'q' } }))
        base.push(assistant(`a${p}-${m}`, ts, input, output, cached))
        expected.input += input
        expected.output += output
        expected.cacheRead += cached
        expected.requests++
        if (m % 17 === 4) {
          base.push('{"type":"message","message":{"usage": trunc\n')
          malformed++
        }
        if (m % 23 === 9) {
          base.push(line({ type: 'message', id: `x${p}-${m}`, timestamp: ts, message: { role: 'assistant', usage: { input: -3 } } }))
          bad++
        }
      }
      files.push({ path: join(proj, `2026-06-01T00-00-00-000Z_s${p}.jsonl`), lines: base })
      // A fork of the first 20 messages: the copied entries count once; its own new one counts.
      const fork = base.slice(0, 1 + 20 * 2)
      fork.push(assistant(`f${p}`, '2026-06-03T00:00:00.000Z', 10, 1))
      expected.input += 10
      expected.output += 1
      expected.requests++
      malformed += fork.filter((l) => l.includes('trunc')).length
      bad += fork.filter((l) => l.includes('"input":-3')).length
      files.push({ path: join(proj, `2026-06-03T00-00-00-000Z_fork${p}.jsonl`), lines: fork })
    }
    for (const f of files) writeFileSync(f.path, f.lines.join(''))
    const whole = agentStore('pi', { PI_AGENT_DIR: root })
    const s = await whole.scan()
    expect(s.skipReasons).toEqual({ 'malformed-json': malformed, 'bad-field': bad })
    const t = whole.totals()
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, requests: t.requests }).toEqual(expected)
    expectAggregatesMatchLedger(whole.store)
    // Another store reads the same tree as pi writes it, a few lines at a time.
    const stepped = agentStore('pi', { PI_AGENT_DIR: root })
    for (const f of files) writeFileSync(f.path, '')
    const at = files.map(() => 0)
    while (at.some((c, i) => c < (files[i]?.lines.length ?? 0))) {
      files.forEach((f, i) => {
        const chunk = f.lines.slice(at[i], (at[i] ?? 0) + 1 + Math.floor(rand() * 9))
        at[i] = (at[i] ?? 0) + chunk.length
        if (chunk.length > 0) appendFileSync(f.path, chunk.join(''))
      })
      await stepped.scan()
    }
    // (Which session a copied entry is filed under follows which copy was read first: only the figures must agree.)
    const figures = 'SELECT key, ts, model, input, output, cache_read, cache_write FROM usage_events ORDER BY key'
    expect(stepped.store.db.prepare(figures).all()).toEqual(whole.store.db.prepare(figures).all())
    // A file rewritten whole (same entries, one more) adds only the new one.
    const first = files[0] as { path: string; lines: string[] }
    writeFileSync(first.path, [...first.lines, assistant('late', '2026-06-04T00:00:00.000Z', 5, 5)].join(''))
    await whole.scan()
    expect(whole.totals().requests).toBe(expected.requests + 1)
    expectAggregatesMatchLedger(whole.store)
  })

  it('live: a message pi appends while the engine runs counts within seconds; a restart reads nothing again', async () => {
    const { root, file } = sessions()
    await liveThenRestart(
      'pi',
      { PI_AGENT_DIR: root },
      { requests: 3, input: 1500, output: 633 },
      () => appendFileSync(file, assistant('live-1', '2026-04-14T11:00:00.000Z', 40, 4)),
      { requests: 4, input: 1540, output: 637 },
    )
  })
})
