import { describe, expect, it } from 'vitest'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Engine } from '../../../src/engine/live/engine'
import { createEngineApi } from '../../../src/engine/api'
import { tempDir } from '../../helpers/temp'

const line =
  JSON.stringify({
    type: 'assistant',
    timestamp: '2026-03-01T10:00:00Z',
    sessionId: 's',
    cwd: '/p',
    requestId: 'r1',
    message: { id: 'm1', model: 'claude-sonnet-4-20250514', usage: { input_tokens: 3, output_tokens: 4 } },
  }) + '\n'

describe("sources panel: the last scan's unreadable files and dangling links, per source", () => {
  it('counts them per source through the API, and a rescan after the fix clears them', async () => {
    const dir = tempDir()
    const project = join(dir, 'claude', 'projects', 'p')
    mkdirSync(project, { recursive: true })
    writeFileSync(join(project, 's.jsonl'), line)
    const link = join(project, 'moved.jsonl')
    symlinkSync(join(dir, 'elsewhere', 'moved.jsonl'), link)
    const engine = await Engine.open({
      env: { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') },
      watch: false,
    })
    try {
      await engine.start()
      const api = createEngineApi(engine)
      const claude = async () => (await api.sourceStatus()).find((s) => s.source === 'claude-code')
      expect((await claude())?.fileErrors).toEqual({
        unreadable: 0,
        danglingLinks: 1,
        first: [{ path: link, kind: 'dangling-link', error: expect.stringContaining('ENOENT') }],
      })
      expect((await claude())?.events).toBe(1)
      expect((await api.sourceStatus()).find((s) => s.source === 'codex')?.fileErrors).toEqual({
        unreadable: 0,
        danglingLinks: 0,
        first: [],
      })
      rmSync(link)
      await engine.rescan()
      expect((await claude())?.fileErrors).toEqual({ unreadable: 0, danglingLinks: 0, first: [] })
    } finally {
      await engine.stop()
    }
  })
})
