import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { openStore } from '../../src/engine/store/open-store'
import { createLogSources } from '../../src/engine/sources/registry'
import { scanLogs } from '../../src/engine/ingest/scan'
import { layout, tempDir } from '../helpers/temp'

/** Every column the store keeps: usage metadata only (docs/SECURITY.md lists the same). */
const COLUMNS = {
  usage_events: [
    'key',
    'ts',
    'source',
    'user_id',
    'agent_id',
    'project',
    'session_id',
    'model',
    'input',
    'output',
    'cache_read',
    'cache_write',
    'cache_write_1h',
    'reported_cost_nusd',
    'cost_nusd',
  ],
  usage_buckets: [
    'bucket_start',
    'source',
    'user_id',
    'agent_id',
    'project',
    'model',
    'input',
    'output',
    'cache_read',
    'cache_write',
    'requests',
    'cost_nusd',
    'unpriced_tokens',
    'unpriced_requests',
    'change_seq',
  ],
  bucket_drops: ['bucket_start', 'source', 'user_id', 'agent_id', 'project', 'model', 'change_seq'],
  sessions: ['source', 'session_id', 'user_id', 'agent_id', 'project', 'parent_session_id', 'first_ts', 'last_ts'],
  source_files: [
    'path',
    'source',
    'size',
    'mtime_ms',
    'ino',
    'offset',
    'fingerprint',
    'state',
    'lines',
    'events',
    'skipped',
    'skip_reasons',
    'last_event_ts',
    'rewrites',
    'updated_at',
  ],
  prices: ['model', 'rates', 'updated_at'],
  meta: ['key', 'value'],
  rollup_zones: ['tz', 'built_at'],
  usage_days: [
    'tz',
    'day',
    'source',
    'user_id',
    'agent_id',
    'project',
    'model',
    'input',
    'output',
    'cache_read',
    'cache_write',
    'requests',
    'cost_nusd',
    'unpriced_tokens',
    'unpriced_requests',
  ],
  dimension_values: ['dim', 'value'],
  usage_days_model: [
    'tz',
    'day',
    'model',
    'input',
    'output',
    'cache_read',
    'cache_write',
    'requests',
    'cost_nusd',
    'unpriced_tokens',
    'unpriced_requests',
  ],
  session_spans: ['source', 'session_id', 'user_id', 'agent_id', 'project', 'model', 'first_ts', 'last_ts'],
  budget_alerts: ['budget_id', 'period_start', 'threshold', 'amount_nusd', 'notified_at'],
  otlp_services: ['service', 'received', 'usage', 'skip_reasons', 'last_seen_at', 'last_event_at'],
  otlp_series: ['series', 'start_nano', 'time_nano', 'value'],
  otlp_held: ['key', 'service', 'received_at', 'event'],
  push_refusals: ['source', 'reason', 'count'],
}

describe('privacy: no prompt, reply or tool content is stored', () => {
  it("the store holds only the documented columns, and none of the transcripts' text", async () => {
    const dir = tempDir()
    layout(dir, {
      'claude/projects/spotter/short.jsonl': 'claude_real/spotter__short.jsonl',
      'claude/projects/spotter/tool_heavy.jsonl': 'claude_real/spotter__tool_heavy.jsonl',
      'codex/archived_sessions/child.jsonl': 'codexbar/Issue2037__live-fork-4d90-52bf_codex-home_archived_sessions_child.jsonl',
    })
    const path = join(dir, 'tw.db')
    const store = openStore(path)
    await scanLogs(store, createLogSources({ claudeConfigDirs: [join(dir, 'claude')], codexHomes: [join(dir, 'codex')] }), () => null, {
      userId: 'u',
    })
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]
    expect(
      Object.fromEntries(
        tables.map(({ name }) => [name, (store.db.pragma(`table_info(${name})`) as { name: string }[]).map((c) => c.name)]),
      ),
    ).toEqual(COLUMNS)
    store.db.pragma('wal_checkpoint(TRUNCATE)')
    store.close()
    const bytes = readFileSync(path).toString('latin1')
    // Text that appears in the transcripts' prompts, replies, tool input and tool output.
    for (const secret of ['mix phx.server doesnt seem to start', 'tool_use', 'tool_result', '"content"', 'thinking']) {
      expect(bytes.includes(secret), secret).toBe(false)
    }
  })
})
