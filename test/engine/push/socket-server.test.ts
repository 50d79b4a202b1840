import { afterEach, describe, expect, it } from 'vitest'
import { eventLine, lineConn, makeRig, NOW, serve, totals, type Rig } from './helpers'

let rig: Rig
afterEach(async () => {
  await rig.cleanup()
})

describe('socket server: replies', () => {
  it('acknowledges pipelined events in order, after they are stored', async () => {
    rig = makeRig()
    await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.write(Array.from({ length: 50 }, (_, i) => eventLine({ id: `e${i}`, input: i, output: 1 })).join(''))
    const replies = await c.replies(50)
    expect(replies).toEqual(Array.from({ length: 50 }, (_, i) => ({ ok: true, id: `e${i}` })))
    // Acknowledged means committed: the store already holds all of them.
    expect(totals(rig.store)).toMatchObject({ input: 1225, output: 50, requests: 50 })
    c.end()
  })

  it('counts a repeated id once, acknowledging every copy', async () => {
    rig = makeRig()
    await serve(rig)
    const c = await lineConn(rig.socketPath)
    const line = eventLine({ id: 'same', input: 100, output: 7, cacheRead: 3, cacheWrite: 2 })
    c.write(line + line)
    expect(await c.replies(2)).toEqual([
      { ok: true, id: 'same' },
      { ok: true, id: 'same' },
    ])
    c.write(line)
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'same' }])
    expect(totals(rig.store)).toEqual({ input: 100, output: 7, cacheRead: 3, cacheWrite: 2, requests: 1, costUsd: 0, unpricedTokens: 112 })
  })

  it('answers a bad line with an error naming the field and keeps the connection', async () => {
    rig = makeRig()
    await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.write(
      eventLine({ id: 'bad', input: -3 }) + 'not json\n' + JSON.stringify({ model: 'm' }) + '\n' + eventLine({ id: 'good', input: 5 }),
    )
    expect(await c.replies(4)).toEqual([
      { ok: false, id: 'bad', error: 'input: must be a non-negative integer' },
      { ok: false, error: 'line is not a JSON object' },
      { ok: false, error: 'agentId: required' },
      { ok: true, id: 'good' },
    ])
    expect(totals(rig.store)).toMatchObject({ input: 5, requests: 1 })
  })

  it('refuses an oversize line without buffering it, and the connection keeps working', async () => {
    rig = makeRig()
    await serve(rig, { maxLineBytes: 1024 })
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'before', input: 1 }))
    c.write(`{"agentId":"bot","model":"m","project":"${'x'.repeat(300_000)}`)
    c.write(`"}\n${eventLine({ id: 'after', input: 2 })}`)
    expect(await c.replies(3)).toEqual([
      { ok: true, id: 'before' },
      { ok: false, error: 'line: longer than 1024 bytes (refused)' },
      { ok: true, id: 'after' },
    ])
    expect(totals(rig.store)).toMatchObject({ input: 3, requests: 2 })
  })

  it('defaults the user and the time, and tags the source', async () => {
    rig = makeRig()
    await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'x', output: 9 }))
    await c.replies(1)
    expect(rig.store.db.prepare('SELECT key, ts, source, user_id, project FROM usage_events').all()).toEqual([
      { key: 'ext:bot:x', ts: NOW, source: 'socket', user_id: 'tester', project: '' },
    ])
  })

  it('serves 200 concurrent connections with every event acknowledged and exact totals', async () => {
    rig = makeRig()
    await serve(rig)
    const conns = await Promise.all(Array.from({ length: 200 }, () => lineConn(rig.socketPath)))
    const replies = await Promise.all(
      conns.map(async (c, n) => {
        c.write(Array.from({ length: 25 }, (_, i) => eventLine({ id: `c${n}-${i}`, input: 3, output: n })).join(''))
        return c.replies(25)
      }),
    )
    expect(replies.flat().filter((r) => r.ok === true)).toHaveLength(5000)
    expect(replies[199]?.[24]).toEqual({ ok: true, id: 'c199-24' })
    // output: 25 events per connection, each carrying its connection number n: 25 * (0 + ... + 199).
    expect(totals(rig.store)).toMatchObject({ input: 15_000, output: 25 * 19_900, requests: 5000 })
    for (const c of conns) c.end()
  })

  it('at the limit a newcomer evicts the connection idle the longest; only when none is idle is it refused', async () => {
    rig = makeRig()
    await serve(rig, { maxConnections: 2 })
    const a = await lineConn(rig.socketPath)
    const b = await lineConn(rig.socketPath)
    // a is mid-line (the server has read a partial line): it is not idle.
    a.write(eventLine({ id: 'a1' }) + '{"id":"a2",')
    expect(await a.replies(1)).toEqual([{ ok: true, id: 'a1' }])
    const c = await lineConn(rig.socketPath)
    expect(await b.replies(1)).toEqual([{ ok: false, error: 'closed: idle while 2 connections were open; reconnect to send more' }])
    await b.closed
    c.write(eventLine({ id: 'c1' }) + '{"id":"c2",')
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'c1' }])
    // Both are mid-line now: the next one is told so and closed.
    const d = await lineConn(rig.socketPath)
    expect(await d.replies(1)).toEqual([{ ok: false, error: 'too many connections (limit 2); try again later' }])
    await d.closed
    a.write('"agentId":"bot","model":"m-1","input":2}\n')
    expect(await a.replies(1)).toEqual([{ ok: true, id: 'a2' }])
    a.end()
    c.end()
    await Promise.all([a.closed, c.closed])
    expect(totals(rig.store)).toMatchObject({ requests: 3 })
  })

  it('256 idle connections never lock out a sender: each newcomer evicts the longest idle one', async () => {
    rig = makeRig()
    const server = await serve(rig)
    const idle = []
    for (let i = 0; i < 256; i++) idle.push(await lineConn(rig.socketPath))
    for (let i = 0; i < 3; i++) {
      const s = await lineConn(rig.socketPath)
      s.write(eventLine({ id: `s${i}`, input: 10 }))
      expect(await s.replies(1)).toEqual([{ ok: true, id: `s${i}` }])
      s.end()
      await s.closed
    }
    expect(totals(rig.store)).toMatchObject({ input: 30, requests: 3 })
    // The oldest idle ones were told why and closed; the server never held more than 256.
    const first = idle[0]
    expect(first && (await first.replies(1))).toEqual([
      { ok: false, error: 'closed: idle while 256 connections were open; reconnect to send more' },
    ])
    expect(server.connections).toBeLessThanOrEqual(256)
    for (const c of idle) c.end()
  }, 30_000)

  it('survives a flood of idle connections: at most max are held, each evicted one told why, senders served', async () => {
    rig = makeRig()
    const server = await serve(rig, { maxConnections: 20 })
    const conns = await Promise.all(Array.from({ length: 200 }, () => lineConn(rig.socketPath)))
    const first = await Promise.all(
      conns.map(async (c, i) => {
        c.write(eventLine({ id: `f${i}`, input: 1 }))
        return (await c.replies(1))[0]
      }),
    )
    expect(server.connections).toBeLessThanOrEqual(20)
    const served = first.filter((r) => r?.ok === true).length
    const evicted = first.filter((r) => r?.error === 'closed: idle while 20 connections were open; reconnect to send more').length
    expect(served + evicted).toBe(200)
    expect(served).toBeGreaterThanOrEqual(20)
    for (const c of conns) c.end()
    await Promise.all(conns.map((c) => c.closed))
    expect(server.connections).toBe(0)
    expect(totals(rig.store)).toMatchObject({ input: served, requests: served })
  })

  it('closes a connection that stays silent past the idle timeout', async () => {
    rig = makeRig()
    await serve(rig, { idleMs: 100 })
    const c = await lineConn(rig.socketPath)
    await c.closed
    expect(c.socket.destroyed).toBe(true)
  })

  it('still answers a client that half-closes after sending', async () => {
    rig = makeRig()
    await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'last', input: 4 }))
    c.end()
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'last' }])
    await c.closed
  })
})
