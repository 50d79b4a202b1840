import { describe, expect, it } from 'vitest'
import { appendFileSync, chmodSync, mkdirSync, renameSync, rmSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs, type ScanProgress } from '../../../src/engine/ingest/scan'
import { openStore } from '../../../src/engine/store/open-store'
import { sourceStatus } from '../../../src/engine/query/source-status'
import { FIXTURES } from '../../helpers/temp'
import {
  bucketTotals,
  claudeLine,
  codexMeta,
  codexTokenLine,
  codexTurn,
  expectAggregatesMatchLedger,
  fileRow,
  jsonl,
  ledgerTotals,
  makeEnv,
  type Env,
} from './support'

const MiB = 1024 * 1024
const ts = (m: number) => new Date(Date.parse('2026-03-01T10:00:00Z') + m * 60_000).toISOString()
/** A streamed message: line `n` of message `id`, output growing with n. */
const L = (id: string, output: number, minute = 0, input = 10) => claudeLine({ id, ts: ts(minute), output, input })

/** Bumps a file's mtime: tests write faster than a millisecond, real agents do not. */
function touch(path: string, seconds = 5): void {
  const t = new Date(Date.now() + seconds * 1000)
  utimesSync(path, t, t)
}

function logPath(env: Env, name = 'session.jsonl'): string {
  return join(env.claudeProjects, 'app', name)
}

describe('scan: appends while running', () => {
  it('reads only the new bytes, corrects streamed lines, and rereads nothing when nothing changed', async () => {
    const env = makeEnv()
    const log = logPath(env)
    const part1 = jsonl([L('a', 1), L('a', 4), L('b', 2, 20)])
    writeFileSync(log, part1)
    const s1 = await env.scan()
    expect(s1).toMatchObject({ files: 1, filesRead: 1, bytes: part1.length, lines: 3, events: 3, inserted: 2, duplicates: 1 })
    expect(ledgerTotals(env.store)).toEqual({ input: 20, output: 6, cacheRead: 200, cacheWrite: 0, requests: 2 })

    // The stream of message a goes on; a new message c.
    const part2 = jsonl([L('a', 9, 1), L('c', 3, 40)])
    appendFileSync(log, part2)
    const s2 = await env.scan()
    expect(s2).toMatchObject({ filesRead: 1, bytes: part2.length, lines: 2, events: 2, inserted: 1, updated: 1, duplicates: 1 })
    expect(ledgerTotals(env.store)).toEqual({ input: 30, output: 14, cacheRead: 300, cacheWrite: 0, requests: 3 })
    expect(env.store.db.prepare("SELECT ts FROM usage_events WHERE key = 'cc:msg_a:req_a'").pluck().get()).toBe(Date.parse(ts(0)))
    expectAggregatesMatchLedger(env.store)

    const s3 = await env.scan()
    expect(s3).toMatchObject({ files: 1, filesRead: 0, bytes: 0, lines: 0, events: 0 })
    expect(fileRow(env.store, log)).toMatchObject({ offset: part1.length + part2.length, lines: 5, events: 5, skipped: 0 })
  })

  it('a partial last line waits for its newline; a whole-JSON last line is taken once', async () => {
    const env = makeEnv()
    const log = logPath(env)
    const b = L('b', 7)
    writeFileSync(log, jsonl([L('a', 3)]) + b.slice(0, 50))
    await env.scan()
    expect(ledgerTotals(env.store).requests).toBe(1)
    expect(fileRow(env.store, log)?.offset).toBe(L('a', 3).length + 1)

    appendFileSync(log, b.slice(50)) // now whole JSON, still no newline: taken
    touch(log)
    await env.scan()
    expect(ledgerTotals(env.store)).toMatchObject({ output: 10, requests: 2 })

    appendFileSync(log, '\n' + jsonl([L('c', 1)]))
    const s = await env.scan()
    expect(s).toMatchObject({ events: 1, inserted: 1, duplicates: 0 })
    expect(ledgerTotals(env.store)).toMatchObject({ output: 11, requests: 3 })
    expectAggregatesMatchLedger(env.store)
  })

  it('many small commits give the same store as one', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => L(`m${i % 700}`, i, i % 240))
    const stores = []
    for (const commitBytes of [undefined, 4096]) {
      const env = makeEnv()
      // Six files, so a tiny commit budget means a commit after each (a file's read is at least 1 MiB).
      for (let f = 0; f < 6; f++) writeFileSync(logPath(env, `s${f}.jsonl`), jsonl(lines.slice(f * 500, (f + 1) * 500)))
      const commits: number[] = []
      await env.scan({ commitBytes, onCommit: (r) => commits.push(r.inserted) })
      expectAggregatesMatchLedger(env.store)
      stores.push({ totals: ledgerTotals(env.store), buckets: bucketTotals(env.store), commits: commits.length })
    }
    expect(stores[0]!.commits).toBe(1)
    expect(stores[1]!.commits).toBe(6)
    expect(stores[1]!.totals).toEqual(stores[0]!.totals)
    expect(stores[0]!.totals).toEqual({ input: 7000, output: 1_854_650, cacheRead: 70_000, cacheWrite: 0, requests: 700 })
  })
})

describe('scan: files rewritten, truncated, replaced, deleted', () => {
  const first = [L('a', 1), L('a', 5), L('b', 3, 20)]
  const before = { input: 20, output: 8, cacheRead: 200, cacheWrite: 0, requests: 2 }

  async function scanned(): Promise<{ env: Env; log: string }> {
    const env = makeEnv()
    const log = logPath(env)
    writeFileSync(log, jsonl(first))
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual(before)
    return { env, log }
  }

  it('rewritten on resume with the same content plus more: only the new part is read', async () => {
    const { env, log } = await scanned()
    const more = jsonl([L('b', 6, 21), L('c', 2, 30)])
    writeFileSync(log, jsonl(first) + more) // a rewrite in place, same inode
    touch(log)
    const s = await env.scan()
    expect(s).toMatchObject({ bytes: more.length, events: 2, inserted: 1, updated: 1 })
    expect(ledgerTotals(env.store)).toEqual({ input: 30, output: 13, cacheRead: 300, cacheWrite: 0, requests: 3 })
    expect(fileRow(env.store, log)).toMatchObject({ rewrites: 0, lines: 5 })
    expectAggregatesMatchLedger(env.store)
  })

  it('rewritten reordered and compacted: read again from 0, nothing counted twice, nothing subtracted', async () => {
    const { env, log } = await scanned()
    // Compacted: message a's streaming lines collapsed to its first (smaller) one, b first, and a new c.
    const compacted = jsonl([L('b', 3, 20), L('a', 1), L('c', 2, 30)])
    writeFileSync(log, compacted)
    touch(log)
    const s = await env.scan()
    expect(s).toMatchObject({ bytes: compacted.length, events: 3, inserted: 1, updated: 0, duplicates: 2 })
    expect(ledgerTotals(env.store)).toEqual({ input: 30, output: 10, cacheRead: 300, cacheWrite: 0, requests: 3 })
    // The file's counts describe the file as it now is.
    expect(fileRow(env.store, log)).toMatchObject({ rewrites: 1, lines: 3, events: 3, offset: compacted.length })
    expectAggregatesMatchLedger(env.store)
  })

  it('truncated and rewritten shorter: restart, no double count', async () => {
    const { env, log } = await scanned()
    truncateSync(log, 0)
    appendFileSync(log, jsonl([L('a', 5)]))
    touch(log)
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual(before)
    appendFileSync(log, jsonl([L('d', 4, 50)]))
    touch(log, 10)
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual({ input: 30, output: 12, cacheRead: 300, cacheWrite: 0, requests: 3 })
    expectAggregatesMatchLedger(env.store)
  })

  it('replaced by a new file (new inode, atomic rename): restart, no double count', async () => {
    const { env, log } = await scanned()
    writeFileSync(log + '.tmp', jsonl([...first, L('e', 1, 55)]))
    renameSync(log + '.tmp', log)
    const s = await env.scan()
    expect(s).toMatchObject({ events: 4, inserted: 1, duplicates: 3 })
    expect(ledgerTotals(env.store)).toEqual({ input: 30, output: 9, cacheRead: 300, cacheWrite: 0, requests: 3 })
    expect(fileRow(env.store, log)).toMatchObject({ rewrites: 1 })
    expectAggregatesMatchLedger(env.store)
  })

  it('deleted: history stays, and the scan reports no error', async () => {
    const { env, log } = await scanned()
    rmSync(log)
    const s = await env.scan()
    expect(s).toMatchObject({ files: 0, errors: [] })
    expect(ledgerTotals(env.store)).toEqual(before)
    // Recreated with the same old content later: still counted once.
    writeFileSync(log, jsonl(first))
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual(before)
  })

  it('a Codex rollout rewritten from scratch restarts its running totals and adds nothing', async () => {
    const env = makeEnv()
    const roll = join(env.codexHome, 'sessions', '2026', '03', '01', 'rollout-x.jsonl')
    mkdirSync(join(roll, '..'), { recursive: true })
    const lines = [
      codexMeta(ts(0), 'sess-x'),
      codexTurn(ts(0), 'gpt-5'),
      codexTokenLine(ts(1), [100, 40, 10, 0], [100, 40, 10, 0]),
      codexTokenLine(ts(2), [300, 140, 30, 5], [200, 100, 20, 5]),
    ]
    writeFileSync(roll, jsonl(lines.slice(0, 3)))
    await env.scan()
    appendFileSync(roll, jsonl(lines.slice(3)))
    await env.scan()
    const expected = { input: 160, output: 30, cacheRead: 140, cacheWrite: 0, requests: 2 }
    expect(ledgerTotals(env.store)).toEqual(expected)
    // Codex state is saved with the offset: a restart of the app resumes the deltas exactly.
    env.reopen()
    appendFileSync(roll, jsonl([codexTokenLine(ts(3), [300, 140, 30, 5], [200, 100, 20, 5])])) // re-emitted: adds nothing
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual(expected)
    writeFileSync(roll, jsonl(lines))
    touch(roll)
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual(expected)
    expectAggregatesMatchLedger(env.store)
  })
})

describe('scan: bad input never crashes, is counted per file, and leaves valid totals alone', () => {
  it('invalid UTF-8, malformed JSON, a 20 MiB line, CRLF and empty lines, binary and odd files', async () => {
    const env = makeEnv()
    const dir = join(env.claudeProjects, 'app')
    const mixed = join(dir, 'mixed.jsonl')
    const huge = claudeLine({ id: 'huge', ts: ts(0), output: 100_000, extra: { content: 'x'.repeat(20 * MiB) } })
    writeFileSync(
      mixed,
      Buffer.concat([
        Buffer.from(L('a', 5) + '\r\n\r\n\n'),
        Buffer.from('{"usage": "'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from('"}\n'),
        Buffer.from('{"message": {"usage": {"input_tokens": 1}\n'),
        Buffer.from(huge + '\n'),
        Buffer.from(claudeLine({ id: 'neg', ts: ts(1), output: -5 }) + '\n'),
        Buffer.from(L('b', 7, 2) + '\r\n'),
      ]),
    )
    // Random bytes (with the needle inside) in a file named like a log.
    const noise = Buffer.alloc(64 * 1024)
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 7919 + 13) % 251
    noise.write('"usage"\n', 1000, 'latin1')
    writeFileSync(join(dir, 'binary.jsonl'), noise)
    mkdirSync(join(dir, 'folder.jsonl'))
    writeFileSync(join(dir, 'folder.jsonl', 'inner.jsonl'), jsonl([L('c', 2, 3)]))
    const locked = join(dir, 'locked.jsonl')
    writeFileSync(locked, jsonl([L('d', 1, 4)]))
    chmodSync(locked, 0o000)
    symlinkSync('.', join(dir, 'loop'))
    symlinkSync(join(dir, 'self.jsonl'), join(dir, 'self.jsonl'))
    symlinkSync(dir, join(dir, 'dirlink.jsonl'))

    const s = await env.scan()
    const root = process.getuid?.() === 0 // root reads a chmod 000 file anyway
    chmodSync(locked, 0o600)

    const valid = {
      input: 30 + (root ? 10 : 0),
      output: 14 + (root ? 1 : 0),
      cacheRead: 300 + (root ? 100 : 0),
      cacheWrite: 0,
      requests: 3 + (root ? 1 : 0),
    }
    expect(ledgerTotals(env.store)).toEqual(valid)
    expectAggregatesMatchLedger(env.store)
    expect(fileRow(env.store, mixed)).toMatchObject({
      lines: 6,
      events: 2,
      skipped: 4,
      skipReasons: { 'invalid-utf8': 1, 'malformed-json': 1, 'line-too-long': 1, 'bad-field': 1 },
    })
    expect(s.skipReasons).toMatchObject({ 'line-too-long': 1, 'bad-field': 1 })
    // The binary file's needle line is skipped, never counted as usage.
    expect(fileRow(env.store, join(dir, 'binary.jsonl'))).toMatchObject({ events: 0 })
    const errorPaths = s.errors.map((e) => e.path).sort()
    const expectedErrors = [join(dir, 'dirlink.jsonl'), ...(root ? [] : [locked]), join(dir, 'self.jsonl')].sort()
    expect(errorPaths).toEqual(expectedErrors)

    // Source status shows the same problems, and the reasons add up to the skipped lines.
    const status = sourceStatus(env.store, env.sources, {}).find((x) => x.source === 'claude-code')!
    expect(Object.values(status.skipReasons).reduce((a, b) => a + b, 0)).toBe(status.skippedLines)
    expect(status.skipReasons['line-too-long']).toBe(1)

    // Nothing new: nothing read, nothing changes (the broken entries are reported again, not counted).
    const again = await env.scan()
    expect(again).toMatchObject({ bytes: 0, events: 0, skipped: 0 })
    expect(ledgerTotals(env.store)).toEqual(valid)
  })

  it('the same folder configured twice (or as config dir and projects dir) counts once', async () => {
    const env = makeEnv()
    writeFileSync(logPath(env), jsonl([L('a', 5), L('b', 2, 20)]))
    const claude = join(env.claudeProjects, '..')
    const doubled = createLogSources({ claudeConfigDirs: [claude, env.claudeProjects, claude + '/'], codexHomes: [env.codexHome] })
    const s = await scanLogs(env.store, doubled, () => null, { userId: 'tester' })
    expect(s.files).toBe(3)
    expect(ledgerTotals(env.store)).toEqual({ input: 20, output: 7, cacheRead: 200, cacheWrite: 0, requests: 2 })
    expectAggregatesMatchLedger(env.store)
  })

  it('the real fixtures rescanned after a restart add nothing', async () => {
    const env = makeEnv()
    const dest = join(env.claudeProjects, 'spotter', '4d5611e5.jsonl')
    mkdirSync(join(dest, '..'), { recursive: true })
    const { copyFileSync } = await import('node:fs')
    copyFileSync(join(FIXTURES, 'claude_real', 'DERIVED_spotter_4d5611e5_usage_rows_content_stripped.jsonl'), dest)
    await env.scan()
    const once = ledgerTotals(env.store)
    expect(once).toMatchObject({ input: 41, output: 6_230, cacheRead: 1_380_819, cacheWrite: 155_640 })
    env.reopen()
    env.store.db.prepare('DELETE FROM source_files').run() // a lost offset table: everything is read again
    await env.scan()
    expect(ledgerTotals(env.store)).toEqual(once)
    expectAggregatesMatchLedger(env.store)
  })
})

describe('scan: writers, progress and file lists', () => {
  it('two writers scanning the same logs at once never count anything twice', async () => {
    const env = makeEnv()
    for (let f = 0; f < 8; f++) {
      writeFileSync(logPath(env, `s${f}.jsonl`), jsonl(Array.from({ length: 40 }, (_, i) => L(`f${f}m${i % 25}`, i, i))))
    }
    const other = openStore(env.dbPath)
    const stale: string[] = []
    const opts = { userId: 'tester', commitBytes: 1, onCommit: (r: { stale: string[] }) => stale.push(...r.stale) }
    const [a, b] = await Promise.all([scanLogs(env.store, env.sources, () => null, opts), scanLogs(other, env.sources, () => null, opts)])
    other.close()
    expect(stale.length).toBeGreaterThan(0) // they did interleave, and the guard did drop batches
    // Between them they read every file; whatever one committed first, the other's copy was dropped.
    expect(a.inserted + b.inserted).toBe(8 * 25)
    expect(ledgerTotals(env.store).requests).toBe(8 * 25)
    // Per file: key k's largest output is k + 25 for k < 15, else k: 480 + 195.
    expect(ledgerTotals(env.store).output).toBe(8 * 675)
    expectAggregatesMatchLedger(env.store)
  })

  it('progress ends with every file and byte done, also when only appended bytes are read', async () => {
    const env = makeEnv()
    writeFileSync(logPath(env, 'a.jsonl'), jsonl([L('a', 1), L('b', 2)]))
    writeFileSync(logPath(env, 'b.jsonl'), jsonl([L('c', 1)]))
    const seen: ScanProgress[] = []
    await env.scan({ onProgress: (p) => seen.push({ ...p }) })
    const size = jsonl([L('a', 1), L('b', 2)]).length + jsonl([L('c', 1)]).length
    expect(seen.at(-1)).toEqual({ filesDone: 2, filesTotal: 2, bytesDone: size, bytesTotal: size })

    const more = jsonl([L('d', 4, 30)])
    appendFileSync(logPath(env, 'a.jsonl'), more)
    seen.length = 0
    await env.scan({ onProgress: (p) => seen.push({ ...p }) })
    expect(seen.at(-1)).toEqual({ filesDone: 2, filesTotal: 2, bytesDone: more.length, bytesTotal: more.length })
  })

  it("with a file list (a watcher's), only those files are read", async () => {
    const env = makeEnv()
    writeFileSync(logPath(env, 'a.jsonl'), jsonl([L('a', 1)]))
    writeFileSync(logPath(env, 'b.jsonl'), jsonl([L('b', 1)]))
    const claude = env.sources[0]!
    const s = await env.scan({ files: [{ source: claude, root: env.claudeProjects, path: logPath(env, 'b.jsonl') }] })
    expect(s).toMatchObject({ files: 1, filesRead: 1, events: 1 })
    expect(env.store.db.prepare('SELECT key FROM usage_events').pluck().all()).toEqual(['cc:msg_b:req_b'])
  })

  it('the hourly view sums the quarter-hours of each hour', async () => {
    const env = makeEnv()
    writeFileSync(logPath(env), jsonl([L('a', 1, 5), L('b', 2, 50), L('c', 4, 65)]))
    await env.scan()
    expect(env.store.db.prepare('SELECT hour_start, output, requests FROM usage_hourly ORDER BY hour_start').all()).toEqual([
      { hour_start: Date.parse('2026-03-01T10:00:00Z'), output: 3, requests: 2 },
      { hour_start: Date.parse('2026-03-01T11:00:00Z'), output: 4, requests: 1 },
    ])
  })
})

describe('scan: store errors are not file errors', () => {
  it('a commit that fails ends the scan with the store error; no file is blamed, and the next scan counts everything once', async () => {
    const env = makeEnv()
    writeFileSync(logPath(env, 'a.jsonl'), jsonl([L('a', 1), L('b', 2)]))
    writeFileSync(logPath(env, 'b.jsonl'), jsonl([L('c', 3)]))
    writeFileSync(logPath(env, 'c.jsonl'), jsonl([L('d', 4)]))
    // The pricing step runs inside the commit: a throw there is as good as SQLITE_IOERR.
    let calls = 0
    const flaky = () => {
      calls++
      if (calls === 1) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' })
      return null
    }
    let commits = 0
    const failed = env.scan({ commitBytes: 1, onCommit: () => commits++ }, flaky)
    await expect(failed).rejects.toMatchObject({ code: 'SQLITE_IOERR' })
    // It stopped at the first failed commit: nothing committed, nothing more read.
    expect(commits).toBe(0)
    expect(calls).toBe(1)
    expect(ledgerTotals(env.store).requests).toBe(0)
    expect(env.store.db.prepare('SELECT count(*) FROM source_files').pluck().get()).toBe(0)

    const s = await env.scan({ commitBytes: 1 })
    expect(s).toMatchObject({ files: 3, filesRead: 3, events: 4, inserted: 4, errors: [] })
    expect(ledgerTotals(env.store)).toEqual({ input: 40, output: 10, cacheRead: 400, cacheWrite: 0, requests: 4 })
    expectAggregatesMatchLedger(env.store)
  })

  it('a full disk (real SQLite, no page to grow into) rejects the scan as SQLITE_FULL, keeps what was committed, and catches up', async () => {
    const env = makeEnv()
    writeFileSync(logPath(env, 'a.jsonl'), jsonl([L('a', 1)]))
    await env.scan()
    const db = env.store.db
    db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`)
    const pad = (i: number) => claudeLine({ id: `p${i}`, ts: ts(i), output: 1, extra: { pad: 'x'.repeat(3000) } })
    writeFileSync(logPath(env, 'b.jsonl'), jsonl(Array.from({ length: 200 }, (_, i) => pad(i))))
    await expect(env.scan({ commitBytes: 64 * 1024 })).rejects.toMatchObject({ code: 'SQLITE_FULL' })
    expect(ledgerTotals(env.store).requests).toBe(1)
    expect(db.pragma('quick_check', { simple: true })).toBe('ok')
    db.pragma('max_page_count = 1073741823')
    const s = await env.scan()
    expect(s.errors).toEqual([])
    expect(ledgerTotals(env.store).requests).toBe(201)
    expectAggregatesMatchLedger(env.store)
  })
})

describe('scan: unreadable files and dangling links, per source', () => {
  it('are reported with their source and kind, a deleted file is not, and the source status counts them', async () => {
    const env = makeEnv()
    const dir = join(env.claudeProjects, 'app')
    writeFileSync(join(dir, 'ok.jsonl'), jsonl([L('a', 1)]))
    symlinkSync(join(dir, 'gone.jsonl'), join(dir, 'dangling.jsonl'))
    symlinkSync(join(dir, 'self.jsonl'), join(dir, 'self.jsonl'))
    symlinkSync(dir, join(dir, 'dirlink.jsonl'))
    const rollouts = join(env.codexHome, 'sessions')
    symlinkSync(join(rollouts, 'nowhere.jsonl'), join(rollouts, 'rollout-dangling.jsonl'))
    // A file the watcher saw that was deleted before it was read: history stays, nothing to report.
    const claude = env.sources.find((x) => x.id === 'claude-code')!
    const vanished = { source: claude, root: env.claudeProjects, path: join(dir, 'vanished.jsonl') }
    expect((await env.scan({ files: [vanished] })).errors).toEqual([])

    const s = await env.scan()
    const rows = s.errors.map((e) => [e.source, e.path, e.kind]).sort()
    expect(rows).toEqual([
      ['claude-code', join(dir, 'dangling.jsonl'), 'dangling-link'],
      ['claude-code', join(dir, 'dirlink.jsonl'), 'unreadable'],
      ['claude-code', join(dir, 'self.jsonl'), 'dangling-link'],
      ['codex', join(rollouts, 'rollout-dangling.jsonl'), 'dangling-link'],
    ])
    expect(s.errors.find((e) => e.path.endsWith('dirlink.jsonl'))?.error).toMatch(/EISDIR/)
    expect(ledgerTotals(env.store).requests).toBe(1)

    const status = sourceStatus(env.store, env.sources, {}, { scanErrors: s.errors })
    const of = (id: string) => status.find((x) => x.source === id)?.fileErrors
    expect(of('claude-code')).toMatchObject({ unreadable: 1, danglingLinks: 2 })
    expect(
      of('claude-code')
        ?.first.map((e) => e.path)
        .sort(),
    ).toEqual([join(dir, 'dangling.jsonl'), join(dir, 'dirlink.jsonl'), join(dir, 'self.jsonl')])
    expect(of('codex')).toEqual({
      unreadable: 0,
      danglingLinks: 1,
      first: [{ path: join(rollouts, 'rollout-dangling.jsonl'), error: expect.stringMatching(/ENOENT/), kind: 'dangling-link' }],
    })
    // Without a scan's errors (e.g. a report-only reader) the field is left out, not zeroed.
    expect(sourceStatus(env.store, env.sources, {}).find((x) => x.source === 'claude-code')?.fileErrors).toBeUndefined()
  })
})
