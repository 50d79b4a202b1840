import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { openStore } from '../../src/engine/store/open-store'
import { createLogSources } from '../../src/engine/sources/registry'
import { scanLogs } from '../../src/engine/ingest/scan'
import { runReport } from '../../src/engine/query/report'
import { layout, tempDir } from '../helpers/temp'

/** Scans a layout with no prices and returns day x model rows in UTC, as in fixtures/EXPECTED.md. */
async function dayModelTotals(files: Record<string, string>, roots: { claude?: string; codex?: string }) {
  const dir = tempDir()
  layout(dir, files)
  const store = openStore(join(dir, 'tw.db'))
  const sources = createLogSources({
    claudeConfigDirs: [join(dir, roots.claude ?? 'claude')],
    codexHomes: [join(dir, roots.codex ?? 'codex')],
  })
  const summary = await scanLogs(store, sources, () => null, { userId: 'tester' })
  const report = runReport(store, { tz: 'UTC', groupBy: ['day', 'model'] })
  store.close()
  return {
    summary,
    rows: report.rows.map((r) => [r.day, r.model, r.input, r.output, r.cacheRead, r.cacheWrite]),
  }
}

describe('fixture totals match fixtures/EXPECTED.md (ccusage 20.0.24 oracle)', () => {
  it('real Claude Code transcripts: short + tool_heavy + compaction subagent in one project', async () => {
    const { rows } = await dayModelTotals(
      {
        'claude/projects/spotter/short.jsonl': 'claude_real/spotter__short.jsonl',
        'claude/projects/spotter/tool_heavy.jsonl': 'claude_real/spotter__tool_heavy.jsonl',
        'claude/projects/spotter/4d5611e5-241a-462a-8d15-5122611a9569/subagents/agent-acompact-e1f845.jsonl':
          'claude_real/spotter__4d5611e5-241a-462a-8d15-5122611a9569_subagents_agent-acompact-e1f845.jsonl',
      },
      {},
    )
    expect(rows).toEqual([
      ['2026-02-10', 'claude-opus-4-6', 57, 225, 99_746, 31_531],
      ['2026-02-12', 'claude-opus-4-6', 3, 8, 164_830, 8_681],
    ])
  })

  it('streamed duplicates in the DERIVED transcript count once, largest output wins', async () => {
    const { rows, summary } = await dayModelTotals(
      {
        'claude/projects/spotter/4d5611e5.jsonl': 'claude_real/DERIVED_spotter_4d5611e5_usage_rows_content_stripped.jsonl',
      },
      {},
    )
    expect(rows).toEqual([['2026-02-12', 'claude-opus-4-6', 41, 6_230, 1_380_819, 155_640]])
    expect(summary.events).toBe(50)
    expect(summary.inserted + summary.duplicates).toBe(50)
  })

  it('ccusage Claude fixtures, two projects', async () => {
    const { rows } = await dayModelTotals(
      {
        'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl',
        'claude/projects/project-beta/session-beta/chat.jsonl': 'ccusage/claude_project-beta_chat.jsonl',
      },
      {},
    )
    expect(rows).toEqual([
      ['2026-01-09', 'claude-opus-4-20250514', 200, 75, 20, 50],
      ['2026-01-09', 'claude-sonnet-4-20250514', 100, 50, 10, 25],
      ['2026-01-10', 'claude-sonnet-4-20250514', 300, 125, 40, 0],
      ['2026-02-03', 'claude-haiku-4-5-20251001', 130, 60, 40, 15],
    ])
  })

  it('Codex live fork: the child replaying 180 parent turns counts them once', async () => {
    const { rows } = await dayModelTotals(
      {
        'codex/archived_sessions/parent.jsonl': 'codexbar/Issue2037__live-fork-4d90-52bf_codex-home_archived_sessions_parent.jsonl',
        'codex/archived_sessions/child.jsonl': 'codexbar/Issue2037__live-fork-4d90-52bf_codex-home_archived_sessions_child.jsonl',
      },
      {},
    )
    expect(rows).toEqual([
      ['2030-01-01', 'fixture-model', 1_151_858, 102_678, 23_737_856, 0],
      ['2030-01-02', 'fixture-model', 156_480, 6_959, 1_646_080, 0],
    ])
    // The hand oracle's "scanner units": input incl. cached + cached + output.
    const [a, b] = rows as number[][]
    const units = [a, b].reduce((s, r) => s + (r![2]! + r![4]!) + r![4]! + r![3]!, 0)
    expect(units).toBe(52_185_847)
  })

  it('Codex: model from token_count info, then turn_context; cached input made exclusive', async () => {
    const { rows } = await dayModelTotals(
      {
        'codex/sessions/2026/01/01/rollout-2026-01-01T00-00-00-session-alpha.jsonl': 'ccusage/codex_session-alpha.jsonl',
      },
      {},
    )
    expect(rows).toEqual([
      ['2026-05-13', 'gpt-5.2-codex', 750, 125, 250, 0],
      ['2026-05-14', 'gpt-5.3-codex', 2_000, 300, 500, 0],
    ])
  })

  it('Codex harness smoke: parent in sessions/, forked child in archived_sessions/', async () => {
    const { rows } = await dayModelTotals(
      {
        'codex/sessions/2026/07/11/parent.jsonl': 'codexbar/Issue2037__harness-smoke_codex-home_sessions_2026_07_11_parent.jsonl',
        'codex/archived_sessions/child.jsonl': 'codexbar/Issue2037__harness-smoke_codex-home_archived_sessions_child.jsonl',
      },
      {},
    )
    expect(rows).toEqual([['2026-07-11', 'openai/gpt-5.5', 15, 2, 0, 0]])
  })
})
