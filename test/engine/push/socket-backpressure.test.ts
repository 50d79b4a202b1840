import { afterEach, describe, expect, it } from 'vitest'
import { eventLine, lineConn, makeRig, serve, totals, type LineConn, type Rig } from './helpers'

let rig: Rig
afterEach(async () => {
  await rig.cleanup()
})

describe('socket server: bounded memory', () => {
  const tick = () => new Promise((r) => setTimeout(r, 50))

  /** Waits until the client's backed-up output stops moving: the server has stopped reading. */
  async function stalled(c: LineConn): Promise<void> {
    let last = -1
    for (let i = 0; i < 100; i++) {
      await tick()
      const now = c.socket.writableLength
      if (now > 0 && now === last) return
      last = now
    }
    throw new Error('the server kept reading from a client that does not read')
  }

  /** The largest value `f` takes over `ms`. */
  async function peak(f: () => number, ms: number): Promise<number> {
    let max = f()
    for (let t = 0; t < ms; t += 50) {
      await tick()
      max = Math.max(max, f())
    }
    return max
  }

  it('stops reading from a client that never reads its replies, then catches up', async () => {
    rig = makeRig()
    const server = await serve(rig)
    const c = await lineConn(rig.socketPath)
    c.socket.pause()
    const n = 60_000
    for (let i = 0; i < n; i += 1000) c.write(Array.from({ length: 1000 }, (_, j) => eventLine({ id: `f${i + j}`, input: 1 })).join(''))
    await stalled(c)
    // What the server took is bounded by socket buffers, not by what the client sent.
    const storedWhileStalled = totals(rig.store).requests
    expect(storedWhileStalled).toBeLessThan(n / 2)
    expect(server.pendingBytes).toBeLessThanOrEqual(1024 * 1024 + 64 * 1024)
    c.socket.resume()
    const replies = await c.replies(n)
    expect(replies.every((r) => r.ok === true)).toBe(true)
    expect(totals(rig.store)).toMatchObject({ input: n, requests: n })
  })

  it('bounds what a flood of garbage lines from many connections holds, and answers every line', async () => {
    rig = makeRig()
    const server = await serve(rig, { maxPendingBytes: 256 * 1024, maxTotalPendingBytes: 512 * 1024 })
    const conns = await Promise.all(Array.from({ length: 8 }, () => lineConn(rig.socketPath)))
    const garbage = 'x\n'.repeat(50_000)
    for (const c of conns) {
      c.socket.pause()
      c.write(garbage)
    }
    // Each connection may overshoot the caps by one 64 KiB read, weighted by its replies.
    expect(await peak(() => server.pendingBytes, 500)).toBeLessThanOrEqual(512 * 1024 + 8 * 32_768 * 48)
    const all = await Promise.all(
      conns.map((c) => {
        c.socket.resume()
        return c.replies(50_000)
      }),
    )
    expect(all.flat().filter((r) => r.error === 'line is not a JSON object')).toHaveLength(400_000)
    expect(server.pendingBytes).toBe(0)
    const c = await lineConn(rig.socketPath)
    c.write(eventLine({ id: 'still-fine' }))
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'still-fine' }])
  })
})
