import { describe, expect, it } from 'vitest'
import { copyFileSync, cpSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { openStore } from '../../../src/engine/store/open-store'
import { FIXTURES, tempDir } from '../../helpers/temp'
import { parseWorkerScript } from '../../helpers/parse-worker'

describe('Qwen Code, Kimi Code and Grok Build logs on the parse workers', () => {
  it('a backfill read on worker threads stores exactly what the main thread alone stores', async () => {
    const dir = tempDir()
    const qwen = join(dir, 'qwen')
    mkdirSync(join(qwen, 'projects', 'p', 'chats'), { recursive: true })
    copyFileSync(join(FIXTURES, 'qwen', 'splitrail_qwen_code.jsonl'), join(qwen, 'projects', 'p', 'chats', 's.jsonl'))
    const kimi = join(dir, 'kimi')
    cpSync(join(FIXTURES, 'kimi', 'sessions'), join(kimi, 'sessions'), { recursive: true })
    const grok = join(dir, 'grok')
    cpSync(join(FIXTURES, 'grok', 'sessions'), join(grok, 'sessions'), { recursive: true })
    const env = { QWEN_DATA_DIR: qwen, KIMI_CODE_HOME: kimi, GROK_HOME: grok }
    const sources = createLogSources({ env, home: dir }).filter((s) => ['qwen-code', 'kimi-code', 'grok'].includes(s.id))
    const one = openStore(join(dir, 'one.db'))
    const two = openStore(join(dir, 'two.db'))
    const a = await scanLogs(one, sources, () => null, { userId: 'u', workers: 0 })
    const b = await scanLogs(two, sources, () => null, { userId: 'u', workers: 2, workerScript: parseWorkerScript(), workerMinBytes: 0 })
    // Every file went to a worker: 1 Qwen chat, 2 Kimi wires, 2 Grok logs.
    expect(b.stages.workerFiles).toBe(5)
    expect(b.skipReasons).toEqual(a.skipReasons)
    const all = (s: typeof one) => ({
      events: s.db.prepare('SELECT * FROM usage_events ORDER BY key').all(),
      files: s.db.prepare('SELECT path, source, offset, state, lines, events, skipped, skip_reasons FROM source_files ORDER BY path').all(),
    })
    expect(all(two)).toEqual(all(one))
    expect((all(one).events as { source: string }[]).map((e) => e.source).sort()).toEqual([
      ...Array(5).fill('grok'),
      ...Array(5).fill('kimi-code'),
      'qwen-code',
      'qwen-code',
    ])
    one.close()
    two.close()
  })
})
