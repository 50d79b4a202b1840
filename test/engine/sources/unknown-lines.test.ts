import { describe, expect, it } from 'vitest'
import { appendFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateClaudeTree } from '../../../bench/gen-claude-tree.mjs'
import { FIXTURES, layout } from '../../helpers/temp'
import { sourceStatus } from '../../../src/engine/query/source-status'
import { claudeLine, codexMeta, codexTokenLine, codexTurn, fileRow, jsonl, ledgerTotals, makeEnv } from '../ingest/support'

const TS = '2026-03-01T10:00:00Z'

describe('unknown lines are skipped and counted per file', () => {
  it('every real fixture and a generated Claude Code tree scan with no unknown-shape line: no known type is taken for unknown', async () => {
    const env = makeEnv()
    const files: Record<string, string> = {}
    for (const dir of ['claude_real', 'ccusage']) {
      for (const f of readdirSync(join(FIXTURES, dir)).filter(
        (n) => n.endsWith('.jsonl') && !n.startsWith('codex') && !n.startsWith('gemini'),
      )) {
        files[`claude/projects/fx/${dir}-${f}`] = `${dir}/${f}`
      }
    }
    for (const dir of ['codexbar', 'tokscale', 'ccusage']) {
      for (const f of readdirSync(join(FIXTURES, dir)).filter(
        (n) => n.endsWith('.jsonl') && (dir !== 'ccusage' || n.startsWith('codex')),
      )) {
        files[`codex/sessions/${dir}-${f}`] = `${dir}/${f}`
      }
    }
    layout(env.dir, files)
    generateClaudeTree(join(env.dir, 'claude'), { bytes: 1024 * 1024, seed: 7 })
    const s = await env.scan()
    expect(Object.keys(files)).toHaveLength(12)
    expect(s).toMatchObject({ files: 14, lines: 778, events: 527 })
    // tokscale's fixture is dated 2040: its four turns are implausible-time, nothing else is skipped.
    expect(s.skipReasons).toEqual({ 'implausible-time': 4 })
    expect(s.skipped).toBe(4)
  })

  it('a Claude Code transcript with new line types: each is counted as unknown-shape in its file, usage stays exact', async () => {
    const env = makeEnv()
    const log = join(env.claudeProjects, 'app', 's.jsonl')
    writeFileSync(
      log,
      jsonl([
        claudeLine({ id: 'a', ts: TS, input: 3, output: 5 }),
        JSON.stringify({ type: 'hologram', usage: { input_tokens: 9 } }),
        JSON.stringify({ type: 'tag', tag: 'usage', note: { usage: 1 } }),
        // Tool output without the needle never reaches the parser, whatever its type.
        JSON.stringify({ type: 'hologram', text: 'no needle here' }),
        JSON.stringify({ data: { usage: { input_tokens: 1 } } }),
      ]),
    )
    await env.scan()
    expect(fileRow(env.store, log)).toMatchObject({ lines: 5, events: 1, skipped: 2, skipReasons: { 'unknown-shape': 2 } })
    appendFileSync(
      log,
      JSON.stringify({ type: 'assistant-v2', message: { id: 'm', model: 'x', usage: { input_tokens: 50 } }, timestamp: TS }) + '\n',
    )
    await env.scan()
    expect(fileRow(env.store, log)).toMatchObject({ lines: 6, events: 1, skipped: 3, skipReasons: { 'unknown-shape': 3 } })
    expect(ledgerTotals(env.store)).toMatchObject({ input: 3, output: 5, requests: 1 })
    const status = sourceStatus(env.store, env.sources, {}).find((x) => x.source === 'claude-code')
    expect(status).toMatchObject({ skippedLines: 3, skipReasons: { 'unknown-shape': 3 } })
  })

  it('a Codex rollout with an unknown line type: counted, and the running totals carry on', async () => {
    const env = makeEnv()
    const log = join(env.codexHome, 'sessions', 'rollout-x.jsonl')
    writeFileSync(
      log,
      jsonl([
        codexMeta(TS, 'x'),
        codexTurn(TS, 'gpt-5'),
        codexTokenLine(TS, [100, 40, 10, 0], null),
        JSON.stringify({ timestamp: TS, type: 'token_count_snapshot', payload: { info: { total_token_usage: { input_tokens: 999 } } } }),
        JSON.stringify({ timestamp: TS, type: 'event_msg', payload: { type: 'agent_message', message: 'token_count' } }),
        codexTokenLine(TS, [300, 40, 30, 0], null),
      ]),
    )
    await env.scan()
    expect(fileRow(env.store, log)).toMatchObject({ lines: 6, events: 2, skipped: 1, skipReasons: { 'unknown-shape': 1 } })
    expect(ledgerTotals(env.store)).toMatchObject({ input: 260, cacheRead: 40, output: 30, requests: 2 })
  })
})
