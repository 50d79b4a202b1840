/**
 * The settings methods of the engine's contract against a real engine and settings file: the team
 * URL's password never reaches a UI but stays the engine's, and a log folder that is relative or
 * not there is refused with a message that says so.
 */
import { describe, expect, it } from 'vitest'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createEngineApi } from '../../src/engine/api'
import { Engine } from '../../src/engine/live/engine'
import { liveSetup } from './live/support'

async function started() {
  const s = liveSetup()
  // A closed port: the team syncer only retries; what matters here is what the API shows.
  const engine = await Engine.open({ env: s.env, watch: false, log: () => {}, teamSync: { debounceMs: 60_000, backoffMs: 60_000 } })
  await engine.start()
  return { s, engine, api: createEngineApi(engine) }
}

const saved = (home: string) =>
  JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')) as { teamUrl: string; logFolders: Record<string, string[]> }

describe('getSettings / setSettings', () => {
  it("masks the team URL's password (userinfo and password=) and keeps it for the engine", async () => {
    const { s, engine, api } = await started()
    try {
      const url = 'postgres://tw:s3cr%40t-pw@127.0.0.1:1/team?sslmode=disable'
      const back = await api.setSettings({ teamUrl: url })
      expect(back.teamUrl).toBe('postgres://tw:***@127.0.0.1:1/team?sslmode=disable')
      expect((await api.getSettings()).teamUrl).toBe('postgres://tw:***@127.0.0.1:1/team?sslmode=disable')
      expect(JSON.stringify(await api.getSettings())).not.toContain('s3cr')
      expect(engine.settings.teamUrl).toBe(url)
      expect(saved(s.env.TOKENWATCH_HOME).teamUrl).toBe(url)

      // The form sends the masked URL back with another host: the stored password is kept.
      await api.setSettings({ teamUrl: 'postgres://tw:***@db.internal:5432/team?sslmode=disable' })
      expect(engine.settings.teamUrl).toBe('postgres://tw:s3cr%40t-pw@db.internal:5432/team?sslmode=disable')
      // A new password typed over the mask replaces it.
      await api.setSettings({ teamUrl: 'postgres://tw:new-one@db.internal:5432/team' })
      expect(engine.settings.teamUrl).toBe('postgres://tw:new-one@db.internal:5432/team')

      await api.setSettings({ teamUrl: 'postgres://tw@db.internal/team?password=pw-in-query' })
      expect((await api.getSettings()).teamUrl).toBe('postgres://tw@db.internal/team?password=***')
      await api.setSettings({ teamUrl: 'postgres://tw@db.internal/team2?password=***' })
      expect(engine.settings.teamUrl).toBe('postgres://tw@db.internal/team2?password=pw-in-query')
      // Every answer that carries settings is masked: removing a log folder too.
      const folder = join(s.dir, 'codex-b')
      mkdirSync(folder)
      expect((await api.setSettings({ logFolders: { codex: [folder] } as never })).teamUrl).toBe(
        'postgres://tw@db.internal/team2?password=***',
      )
      expect((await api.removeLogFolder({ kind: 'codex', index: 0 })).teamUrl).toBe('postgres://tw@db.internal/team2?password=***')
    } finally {
      await engine.stop()
    }
  })

  it('refuses a log folder that is relative, missing or a file, naming why; a folder that exists is added', async () => {
    const { s, engine, api } = await started()
    try {
      const real = join(s.dir, 'other-codex')
      mkdirSync(real)
      writeFileSync(join(s.dir, 'a-file'), 'x')
      const add = (path: string) => api.setSettings({ logFolders: { codex: [path] } as never })
      await expect(add('relative/codex')).rejects.toThrow(
        'logFolders.codex: relative/codex is not an absolute path (give the whole path, e.g. /home/me/.codex)',
      )
      await expect(add(join(s.dir, 'nope'))).rejects.toThrow(`logFolders.codex: ${join(s.dir, 'nope')} does not exist`)
      await expect(add(join(s.dir, 'a-file'))).rejects.toThrow(`logFolders.codex: ${join(s.dir, 'a-file')} is not a folder`)
      expect(engine.settings.logFolders.codex).toEqual([])
      expect((await add(real)).logFolders.codex).toEqual([real])
      await expect(api.setSettings({ logFolders: { codex: [real, real] } as never })).rejects.toThrow(
        `logFolders.codex: ${real} is already watched`,
      )
      expect(saved(s.env.TOKENWATCH_HOME).logFolders.codex).toEqual([real])
    } finally {
      await engine.stop()
    }
  })

  it('a folder already in the settings stays even when it is gone (a drive not mounted)', async () => {
    const s = liveSetup()
    mkdirSync(s.env.TOKENWATCH_HOME, { recursive: true })
    const gone = join(s.dir, 'unmounted')
    writeFileSync(join(s.env.TOKENWATCH_HOME, 'settings.json'), JSON.stringify({ logFolders: { codex: [gone] } }))
    const engine = await Engine.open({ env: s.env, watch: false, log: () => {} })
    await engine.start()
    try {
      const api = createEngineApi(engine)
      const real = join(s.dir, 'more')
      mkdirSync(real)
      expect((await api.setSettings({ logFolders: { codex: [gone, real] } as never })).logFolders.codex).toEqual([gone, real])
    } finally {
      await engine.stop()
    }
  })
})
