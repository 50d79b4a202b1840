/** `tokenwatch serve` lists where pushed usage arrives, each named for what it is. */
import { beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../helpers/temp'
import { cliEnv, requireBuild, signIn, startServe } from './run-cli'
import type { SourceStatus } from '../../src/shared/contract'

beforeAll(requireBuild)

describe('tokenwatch serve: the Sources panel', () => {
  it('has an HTTP push card at the printed ingest address, counting what arrived there', async () => {
    const env = cliEnv(tempDir())
    const served = await startServe(['--no-watch'], env)
    try {
      expect(served.ingestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/usage$/)
      const push = await fetch(served.ingestUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'h1', agentId: 'bot', model: 'claude-sonnet-4-5', input: 5 }),
      })
      expect(push.status).toBe(200)
      const { cookie, origin } = await signIn(served.url)
      const res = await fetch(`${origin}/api/sourceStatus`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, origin },
        body: '{}',
      })
      const body = (await res.json()) as { ok: boolean; result: SourceStatus[] }
      const http = body.result.find((s) => s.source === 'http')
      expect(http).toMatchObject({ source: 'http', location: served.ingestUrl, found: true, events: 1, sessions: 1 })
      expect(body.result.find((s) => s.source === 'socket')?.location).toMatch(/ingest\.sock$/)
    } finally {
      await served.stop()
    }
  })
})
