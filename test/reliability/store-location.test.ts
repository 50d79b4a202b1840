import { describe, expect, it } from 'vitest'
import { chmodSync, chownSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkStoreLocation, openContext } from '../../src/engine/context'
import { openStore } from '../../src/engine/store/open-store'
import { tempDir } from '../helpers/temp'

const uid = process.getuid?.()
// Another user's folder needs chown: only root can make one (CI as a normal user skips these).
const asRoot = uid === 0
const OTHER = 65534

function envFor(dir: string, home: string): NodeJS.ProcessEnv {
  return { TOKENWATCH_HOME: home, HOME: dir, CLAUDE_CONFIG_DIR: join(dir, 'claude'), CODEX_HOME: join(dir, 'codex') }
}

describe('the store and data dir are checked where they really are', () => {
  it.skipIf(!asRoot)('a --db in a world-writable folder owned by someone else is refused', () => {
    const dir = tempDir()
    const shared = join(dir, 'shared')
    mkdirSync(shared)
    chownSync(shared, OTHER, OTHER)
    chmodSync(shared, 0o1777)
    const db = join(shared, 'tw.db')
    expect(() => openContext({ env: envFor(dir, join(dir, 'home')), dbPath: db, log: () => {} })).toThrow(
      /belongs to another user .* others may write to it; refusing/,
    )
    // Through a symlink to that folder, too.
    symlinkSync(shared, join(dir, 'via-link'))
    expect(() => checkStoreLocation(join(dir, 'via-link', 'tw.db'))).toThrow(/refusing to keep the store there/)
  })

  it.skipIf(!asRoot)('a TOKENWATCH_HOME that is a symlink in a shared folder of someone else is refused', () => {
    const dir = tempDir()
    const mine = join(dir, 'mine')
    mkdirSync(mine, { mode: 0o700 })
    const shared = join(dir, 'shared')
    mkdirSync(shared)
    chownSync(shared, OTHER, OTHER)
    chmodSync(shared, 0o777)
    const link = join(shared, 'tw-home')
    symlinkSync(mine, link)
    expect(() => openContext({ env: envFor(dir, link), log: () => {} })).toThrow(/is a symlink in .*refusing it/)
    // The real folder itself is fine.
    openContext({ env: envFor(dir, mine), log: () => {} }).close()
  })

  it.skipIf(uid === undefined)("a store file writable by others, or another user's, is refused", () => {
    const dir = tempDir()
    const db = join(dir, 'tw.db')
    openStore(db).close()
    chmodSync(db, 0o666)
    expect(() => openContext({ env: envFor(dir, join(dir, 'home')), dbPath: db, log: () => {} })).toThrow(
      /is writable by others \(mode 666\); refusing/,
    )
    chmodSync(db, 0o600)
    openContext({ env: envFor(dir, join(dir, 'home')), dbPath: db, log: () => {} }).close()
    if (asRoot) {
      chownSync(db, OTHER, OTHER)
      expect(() => checkStoreLocation(db)).toThrow(/belongs to another user \(uid 65534\)/)
    }
    // A symlinked store is judged by its target.
    const target = join(dir, 'real.db')
    writeFileSync(target, '')
    chmodSync(target, 0o622)
    symlinkSync(target, join(dir, 'link.db'))
    expect(() => checkStoreLocation(join(dir, 'link.db'))).toThrow(/real\.db\) is writable by others/)
  })
})
