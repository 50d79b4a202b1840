/**
 * Refused pushed lines and items are counted in the store, so the Sources panel of a restarted
 * `tokenwatch serve` still shows them: after a clean stop (SIGTERM) and after SIGKILL.
 */
import { beforeAll, describe, expect, it } from 'vitest'
import Database from 'better-sqlite3'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, signIn, startServe, type Served } from './run-cli'
import type { SourceStatus } from '../../src/shared/contract'

beforeAll(requireBuild)

/** Sends `lines` over the push socket and returns its one reply per line. */
async function pushLines(socket: string, lines: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const c = createConnection(socket)
    let buf = ''
    c.on('data', (d: Buffer) => {
      buf += d.toString()
      const replies = buf.split('\n').filter((l) => l !== '')
      if (replies.length >= lines.length) {
        c.end()
        resolve(replies)
      }
    })
    c.on('error', reject)
    c.write(lines.map((l) => `${l}\n`).join(''))
  })
}

/** The socket and HTTP cards of the Sources panel: refused count and reasons. */
async function refusedShown(served: Served): Promise<Record<string, Pick<SourceStatus, 'skippedLines' | 'skipReasons' | 'events'>>> {
  const { cookie, origin } = await signIn(served.url)
  const res = await fetch(`${origin}/api/sourceStatus`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin },
    body: '{}',
  })
  const body = (await res.json()) as { ok: boolean; result: SourceStatus[] }
  return Object.fromEntries(
    body.result
      .filter((s) => s.source === 'socket' || s.source === 'http')
      .map((s) => [s.source, { skippedLines: s.skippedLines, skipReasons: s.skipReasons, events: s.events }]),
  )
}

function storedRefusals(dbPath: string): number {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true })
  try {
    return db.prepare('SELECT coalesce(sum(count), 0) FROM push_refusals').pluck().get() as number
  } finally {
    db.close()
  }
}

const GOOD = JSON.stringify({ id: 'g1', agentId: 'bot', model: 'claude-sonnet-4-5', input: 5 })

describe('tokenwatch serve: push refusal counts across restarts', () => {
  it('the Sources panel shows the refused socket lines and HTTP items after SIGTERM and after SIGKILL', async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const socket = join(dir, 'home', 'ingest.sock')
    const dbPath = join(dir, 'home', 'tokenwatch.db')
    let served = await startServe(['--no-watch'], env)
    try {
      const replies = await pushLines(socket, [
        'not json',
        JSON.stringify({ agentId: 'bot', model: 'claude-sonnet-4-5', input: -5 }),
        JSON.stringify({ agentId: 'bot', model: 'claude-sonnet-4-5', output: 1e12 }),
        GOOD,
      ])
      expect(replies.map((r) => (JSON.parse(r) as { ok: boolean }).ok)).toEqual([false, false, false, true])
      const bad = await fetch(served.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' })
      expect(bad.status).toBe(400)
      const items = await fetch(served.ingestUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify([
          { id: 'h1', agentId: 'bot', model: 'claude-sonnet-4-5', input: 5 },
          { agentId: 'bot', model: 'x', nope: 1 },
        ]),
      })
      expect(items.status).toBe(200)
      const latin1 = Buffer.concat([Buffer.from('{"id":"'), Buffer.from([0xff]), Buffer.from('","agentId":"bot","model":"m"}')])
      const notUtf8 = await fetch(served.ingestUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: latin1 })
      expect(notUtf8.status).toBe(400)
      const big = await fetch(served.ingestUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `[${'0,'.repeat(600_000)}0]`,
      })
      expect(big.status).toBe(413)
      const expected = {
        socket: { skippedLines: 3, skipReasons: { 'malformed-json': 1, 'bad-field': 1, 'too-large': 1 }, events: 1 },
        http: { skippedLines: 4, skipReasons: { 'malformed-json': 1, 'bad-field': 1, 'invalid-utf8': 1, 'too-large': 1 }, events: 1 },
      }
      expect(await refusedShown(served)).toEqual(expected)

      // A clean stop writes them; the restarted engine shows the same counts.
      expect(await served.stop('SIGTERM')).toBe(0)
      expect(storedRefusals(dbPath)).toBe(7)
      served = await startServe(['--no-watch'], env)
      expect(await refusedShown(served)).toEqual(expected)

      // Killed without a chance to flush: what was counted a second before is kept.
      await pushLines(socket, ['also not json'])
      const end = Date.now() + 10_000
      while (storedRefusals(dbPath) < 8 && Date.now() < end) await new Promise((r) => setTimeout(r, 50))
      expect(storedRefusals(dbPath)).toBe(8)
      await served.stop('SIGKILL')
      served = await startServe(['--no-watch'], env)
      expect(await refusedShown(served)).toEqual({
        ...expected,
        socket: { ...expected.socket, skippedLines: 4, skipReasons: { ...expected.socket.skipReasons, 'malformed-json': 2 } },
      })
    } finally {
      await served.stop()
    }
  }, 60_000)
})
