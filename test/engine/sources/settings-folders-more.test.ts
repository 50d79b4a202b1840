import { describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { LogSourceId } from '../../../src/shared/sources'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { openStore } from '../../../src/engine/store/open-store'
import { FIXTURES, tempDir } from '../../helpers/temp'
import { ledgerTotals } from '../ingest/support'
import { CSV } from './cursor/support'

/** A folder added in Settings for each source, laid out as that source's folders are, holding its fixture. */
const LAYOUTS: Record<string, (folder: string) => void> = {
  pi: (f) => {
    mkdirSync(join(f, '--w--'), { recursive: true })
    copyFileSync(join(FIXTURES, 'pi', 'codeburn_pi_test_ts_session.jsonl'), join(f, '--w--', 's_sess-001.jsonl'))
  },
  openclaw: (f) => {
    mkdirSync(join(f, 'agents', 'main', 'sessions'), { recursive: true })
    copyFileSync(
      join(FIXTURES, 'openclaw', 'codeburn_openclaw_test_ts_SESSION_LINES.jsonl'),
      join(f, 'agents', 'main', 'sessions', 'test-sess-1.jsonl'),
    )
  },
  codebuff: (f) => {
    const chat = join(f, 'projects', 'p', 'chats', '2026-01-02T03-04-05.000Z')
    mkdirSync(chat, { recursive: true })
    copyFileSync(join(FIXTURES, 'codebuff', 'ccusage_loader_rs_assistant_usage.chat-messages.json'), join(chat, 'chat-messages.json'))
  },
  hermes: (f) => {
    mkdirSync(f, { recursive: true })
    const db = new Database(join(f, 'state.db'))
    db.exec(readFileSync(join(FIXTURES, 'hermes', 'codeburn_hermes_test_ts_state.sql'), 'utf8'))
    db.close()
  },
  zcode: (f) => {
    mkdirSync(join(f, 'cli', 'db'), { recursive: true })
    const db = new Database(join(f, 'cli', 'db', 'db.sqlite'))
    db.exec(readFileSync(join(FIXTURES, 'zcode', 'codeburn_zcode_test_ts_db.sql'), 'utf8'))
    db.close()
  },
  cursor: (f) => {
    mkdirSync(f, { recursive: true })
    writeFileSync(join(f, 'export.csv'), CSV)
  },
}

const REQUESTS: Record<string, number> = { pi: 2, openclaw: 2, codebuff: 1, hermes: 1, zcode: 1, cursor: 2 }

describe('pi, openclaw, codebuff, hermes, zcode, cursor: folders added in Settings are read beside the defaults', () => {
  for (const [id, lay] of Object.entries(LAYOUTS)) {
    it(`${id}: a Settings folder is a root and its files are read`, async () => {
      const dir = tempDir()
      const folder = join(dir, 'extra')
      lay(folder)
      const sources = createLogSources({ env: { TOKENWATCH_HOME: join(dir, 'tw') }, home: dir, folders: { [id]: [folder] } }).filter(
        (s) => s.id === id,
      )
      const store = openStore(join(dir, 'tw.db'))
      const s = await scanLogs(store, sources, () => null, { userId: 'u' })
      expect(s.errors).toEqual([])
      expect(ledgerTotals(store).requests).toBe(REQUESTS[id])
      store.close()
    })
  }

  it('a source switched off is not read', () => {
    const ids: LogSourceId[] = ['pi', 'openclaw', 'codebuff', 'hermes', 'zcode', 'cursor']
    const on = createLogSources({ env: {}, home: tempDir(), disabled: ids }).map((s) => s.id)
    for (const id of ids) expect(on).not.toContain(id)
  })
})
