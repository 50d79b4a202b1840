import { describe, expect, it } from 'vitest'
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { FIXTURES, tempDir } from '../../../helpers/temp'
import { expectAggregatesMatchLedger } from '../../ingest/support'
import { agentStore, liveThenRestart, rng } from '../agent-support'

const CHAT_A = '2026-01-02T03-04-05.000Z'

/** A CODEBUFF_DATA_DIR (a channel folder) holding the two fixture chats in project-a. */
function channel(): { root: string; fileA: string; fileB: string } {
  const root = join(tempDir(), 'manicode')
  const a = join(root, 'projects', 'project-a', 'chats', CHAT_A)
  const b = join(root, 'projects', 'project-a', 'chats', '2026-01-03T08-00-00.000Z')
  mkdirSync(a, { recursive: true })
  mkdirSync(b, { recursive: true })
  copyFileSync(join(FIXTURES, 'codebuff', 'ccusage_loader_rs_assistant_usage.chat-messages.json'), join(a, 'chat-messages.json'))
  copyFileSync(join(FIXTURES, 'codebuff', 'ccusage_loader_rs_run_state.chat-messages.json'), join(b, 'chat-messages.json'))
  return { root, fileA: join(a, 'chat-messages.json'), fileB: join(b, 'chat-messages.json') }
}

type Msg = Record<string, unknown>
const ai = (id: string, ts: string, usage: Record<string, number>, model = 'claude-sonnet-4-5'): Msg => ({
  id,
  variant: 'ai',
  timestamp: ts,
  metadata: { model, usage },
})

describe('codebuff: chat-messages.json documents rewritten as the chat grows', () => {
  it('the fixtures: (100, 50, cw 20, cr 10) stamped by the message; the run-state usage (OpenAI prompt_tokens, cached inside) stamped by the chat folder', async () => {
    const { root } = channel()
    const t = agentStore('codebuff', { CODEBUFF_DATA_DIR: root })
    expect((await t.scan()).errors).toEqual([])
    expect(t.rows()).toEqual([
      {
        key: `codebuff:project-a/${CHAT_A}:assistant-message`,
        ts: Date.parse('2026-01-02T03:04:06.000Z'),
        model: 'claude-sonnet-4-20250514',
        project: 'project-a',
        sessionId: `project-a/${CHAT_A}`,
        input: 100,
        output: 50,
        cacheRead: 10,
        cacheWrite: 20,
      },
      // prompt_tokens 100 includes the 10 cached (OpenAI's usage): 90 uncached. ccusage keeps 100 (docs/SOURCES.md).
      {
        key: 'codebuff:project-a/2026-01-03T08-00-00.000Z:#0',
        ts: Date.parse('2026-01-03T08:00:00.000Z'),
        model: 'openai/gpt-5',
        project: 'project-a',
        sessionId: 'project-a/2026-01-03T08-00-00.000Z',
        input: 90,
        output: 50,
        cacheRead: 10,
        cacheWrite: 0,
      },
    ])
  })

  it('the default channels (~/.config/manicode, -dev, -staging) and a projects/ folder given directly', async () => {
    const { root } = channel()
    const t = agentStore('codebuff', {})
    expect(t.sources[0]?.roots()).toEqual(
      ['manicode', 'manicode-dev', 'manicode-staging'].map((c) => join(t.dir, '.config', c, 'projects')),
    )
    const direct = agentStore('codebuff', { CODEBUFF_DATA_DIR: join(root, 'projects') })
    await direct.scan()
    expect(direct.totals().requests).toBe(2)
  })

  it('a generated tree: chats rewritten as they grow (atomically and in place), half-written rewrites and bad messages skipped by reason', async () => {
    const rand = rng(5)
    const root = join(tempDir(), 'manicode')
    const store = agentStore('codebuff', { CODEBUFF_DATA_DIR: root })
    const expected = { input: 0, output: 0, cacheRead: 0, requests: 0 }
    const chats: { file: string; messages: Msg[] }[] = []
    for (let p = 0; p < 3; p++) {
      for (let c = 0; c < 3; c++) {
        const dir = join(root, 'projects', `proj${p}`, 'chats', `2026-02-0${c + 1}T10-00-00.000Z`)
        mkdirSync(dir, { recursive: true })
        chats.push({ file: join(dir, 'chat-messages.json'), messages: [] })
      }
    }
    let skippedBad = 0
    for (let round = 0; round < 8; round++) {
      chats.forEach((chat, i) => {
        const n = 1 + Math.floor(rand() * 3)
        for (let k = 0; k < n; k++) {
          const input = 1 + Math.floor(rand() * 800)
          const output = 1 + Math.floor(rand() * 200)
          const cached = Math.floor(rand() * 3000)
          chat.messages.push({ variant: 'user', text: 'q' })
          chat.messages.push(
            ai(`m${round}-${k}`, new Date(Date.parse('2026-02-01T10:00:00Z') + (i * 1000 + round * 10 + k) * 60_000).toISOString(), {
              inputTokens: input,
              outputTokens: output,
              cacheReadInputTokens: cached,
            }),
          )
          expected.input += input
          expected.output += output
          expected.cacheRead += cached
          expected.requests++
        }
        if (round === 2 && i % 4 === 0) chat.messages.push(ai(`bad${i}`, '2026-02-01T10:00:00Z', { inputTokens: -5 }))
        const text = JSON.stringify(chat.messages)
        if (i % 2 === 0) writeFileSync(chat.file, text)
        else {
          writeFileSync(chat.file + '.tmp', text)
          renameSync(chat.file + '.tmp', chat.file)
        }
      })
      // Each read sees every chat's bad message again: the file's count replaces the last read's.
      if (round === 5) writeFileSync((chats[0] as { file: string }).file, '[{"variant":"ai","metadata":')
      const s = await store.scan()
      if (round === 5) expect(s.skipReasons['malformed-json']).toBe(1)
      skippedBad = s.skipReasons['bad-field'] ?? 0
    }
    // The half-written chat is whole again by the last rewrite; every request counted once.
    writeFileSync((chats[0] as { file: string }).file, JSON.stringify((chats[0] as { messages: Msg[] }).messages))
    await store.scan()
    expect(skippedBad).toBeGreaterThan(0)
    const t = store.totals()
    expect({ input: t.input, output: t.output, cacheRead: t.cacheRead, requests: t.requests }).toEqual(expected)
    expectAggregatesMatchLedger(store.store)
    const status = store.store.db.prepare("SELECT sum(skipped) AS s FROM source_files WHERE source = 'codebuff'").get() as { s: number }
    expect(status.s).toBe(3)
  })

  it('live: a chat Codebuff rewrites while the engine runs adds its new message; a restart reads nothing again', async () => {
    const { root, fileA } = channel()
    await liveThenRestart(
      'codebuff',
      { CODEBUFF_DATA_DIR: root },
      { requests: 2, input: 190, output: 100 },
      () => {
        const doc = JSON.parse(readFileSync(fileA, 'utf8')) as Msg[]
        doc.push(ai('live', '2026-01-02T04:00:00.000Z', { inputTokens: 3, outputTokens: 7 }))
        writeFileSync(fileA + '.tmp', JSON.stringify(doc))
        renameSync(fileA + '.tmp', fileA)
      },
      { requests: 3, input: 193, output: 107 },
    )
  })
})
