import { describe, expect, it } from 'vitest'
import { copyFileSync, cpSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { LogSourceId } from '../../../src/shared/sources'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { openStore } from '../../../src/engine/store/open-store'
import { FIXTURES, tempDir } from '../../helpers/temp'
import { ledgerTotals } from '../ingest/support'

/** One folder per source, laid out as the agent's home, added in Settings (no env var; the defaults empty). */
function layouts(
  dir: string,
): Record<'qwen-code' | 'kimi-code' | 'copilot-cli' | 'grok', { folder: string; roots: string[]; input: number }> {
  const qwen = join(dir, 'qwen-data')
  mkdirSync(join(qwen, 'projects', 'p', 'chats'), { recursive: true })
  copyFileSync(join(FIXTURES, 'qwen', 'splitrail_qwen_code.jsonl'), join(qwen, 'projects', 'p', 'chats', 's.jsonl'))
  const kimi = join(dir, 'kimi-home')
  cpSync(join(FIXTURES, 'kimi', 'sessions'), join(kimi, 'sessions'), { recursive: true })
  const copilot = join(dir, 'copilot-home')
  mkdirSync(join(copilot, 'session-state', 's'), { recursive: true })
  copyFileSync(
    join(FIXTURES, 'copilot', 'agentsview_copilot_test_go_shutdown_totalNanoAiu.events.jsonl'),
    join(copilot, 'session-state', 's', 'events.jsonl'),
  )
  const grok = join(dir, 'grok-home')
  cpSync(join(FIXTURES, 'grok', 'sessions'), join(grok, 'sessions'), { recursive: true })
  return {
    'qwen-code': { folder: qwen, roots: [join(qwen, 'projects')], input: 1050 },
    'kimi-code': { folder: kimi, roots: [join(kimi, 'sessions')], input: 2500 },
    'copilot-cli': { folder: copilot, roots: [join(copilot, 'session-state'), copilot], input: 6942 },
    grok: { folder: grok, roots: [join(grok, 'sessions')], input: 761106 },
  }
}

describe('qwen-code, kimi-code, copilot-cli, grok: folders added in Settings', () => {
  it('each source reads the folder added for it in Settings instead of its default', async () => {
    const dir = tempDir()
    for (const [id, l] of Object.entries(layouts(dir)) as [LogSourceId, { folder: string; roots: string[]; input: number }][]) {
      const sources = createLogSources({ folders: { [id]: [l.folder] }, env: {}, home: join(dir, 'empty-home') }).filter((s) => s.id === id)
      expect(sources[0]?.roots()).toEqual(l.roots)
      const store = openStore(join(tempDir(), 'tw.db'))
      const s = await scanLogs(store, sources, () => null, { userId: 'u' })
      expect(s.errors).toEqual([])
      expect([id, ledgerTotals(store).input]).toEqual([id, l.input])
      store.close()
    }
  })

  it('the env var and a Settings folder are both read', () => {
    const dir = tempDir()
    const env = { QWEN_DATA_DIR: join(dir, 'a'), KIMI_CODE_HOME: join(dir, 'a'), COPILOT_HOME: join(dir, 'a'), GROK_HOME: join(dir, 'a') }
    const folders = {
      'qwen-code': [join(dir, 'b')],
      'kimi-code': [join(dir, 'b')],
      'copilot-cli': [join(dir, 'b')],
      grok: [join(dir, 'b')],
    }
    const roots = Object.fromEntries(
      createLogSources({ env, folders, home: dir })
        .filter((s) => s.id in folders)
        .map((s) => [s.id, s.roots()]),
    )
    expect(roots).toEqual({
      'qwen-code': [join(dir, 'a', 'projects'), join(dir, 'b', 'projects')],
      'kimi-code': [join(dir, 'a', 'sessions'), join(dir, 'b', 'sessions')],
      'copilot-cli': [join(dir, 'a', 'session-state'), join(dir, 'b', 'session-state'), join(dir, 'a'), join(dir, 'b')],
      grok: [join(dir, 'a', 'sessions'), join(dir, 'b', 'sessions')],
    })
  })
})
