import { afterEach, describe, expect, it } from 'vitest'
import { createLineSplitter } from '../../../src/engine/push/line-splitter'
import { eventLine, lineConn, makeRig, serve, totals, type Rig } from './helpers'

let rig: Rig | undefined
afterEach(async () => {
  await rig?.cleanup()
  rig = undefined
})

describe('line splitter: end of input', () => {
  it('gives the last line without its newline, CR stripped, and nothing for blank, oversize or empty tails', () => {
    const s = createLineSplitter(16)
    expect(s.push(Buffer.from('a\nbc'))).toEqual([{ kind: 'line', text: 'a' }])
    expect(s.push(Buffer.from('d\r'))).toEqual([])
    expect(s.end()).toEqual([{ kind: 'line', text: 'bcd' }])
    expect(s.buffered).toBe(0)
    expect(s.end()).toEqual([])

    const blank = createLineSplitter(16)
    blank.push(Buffer.from('x\n   '))
    expect(blank.end()).toEqual([])

    // An over-long tail was reported when it passed the limit; end adds nothing more.
    const long = createLineSplitter(4)
    expect(long.push(Buffer.from('123456'))).toEqual([{ kind: 'oversize' }])
    expect(long.end()).toEqual([])
  })
})

function makeRigHere(): Rig {
  rig = makeRig()
  return rig
}

describe('socket server: a last line without a newline', () => {
  it('is stored and acknowledged when the client half-closes, before the server closes', async () => {
    const rig = makeRigHere()
    await serve(rig)
    const c = await lineConn(rig.socketPath)
    const unterminated = eventLine({ id: 'tail', input: 9, output: 2 }).trimEnd()
    c.write(eventLine({ id: 'first', input: 1 }) + unterminated)
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'first' }])
    c.end()
    expect(await c.replies(1)).toEqual([{ ok: true, id: 'tail' }])
    await c.closed
    expect(totals(rig.store)).toMatchObject({ input: 10, output: 2, requests: 2 })
  })

  it('answers a bad final fragment with an error, and a lone event sent in one write then end', async () => {
    const rig = makeRigHere()
    await serve(rig)
    const bad = await lineConn(rig.socketPath)
    bad.write('{"agentId":"bot","model":"m-1","input":')
    bad.end()
    expect(await bad.replies(1)).toEqual([{ ok: false, error: 'line is not valid JSON' }])
    await bad.closed

    const lone = await lineConn(rig.socketPath)
    lone.socket.end(eventLine({ id: 'only', input: 5 }).trimEnd())
    expect(await lone.replies(1)).toEqual([{ ok: true, id: 'only' }])
    await lone.closed
    expect(totals(rig.store)).toMatchObject({ input: 5, requests: 1 })
  })
})
