import { afterEach, describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { connect, defaultDataDir, defaultSocketPath, sendOne } from '../../../clients/node/tokenwatch-client.mjs'
import { runEmit, type EmitIo } from '../../../src/cli/emit'
import { dataDir, dataPaths } from '../../../src/engine/paths'
import { makeRig, serve, totals, type Rig } from './helpers'

let rig: Rig
afterEach(async () => {
  await rig?.cleanup()
})

function capture(): EmitIo & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) }
  return io
}

describe('clients/node/tokenwatch-client.mjs', () => {
  it('finds the socket exactly where the engine puts it', () => {
    const envs: NodeJS.ProcessEnv[] = [
      { TOKENWATCH_HOME: '/srv/tw', HOME: '/home/a' },
      { HOME: '/home/a' },
      { HOME: '/home/a', XDG_CONFIG_HOME: '/home/a/.cfg' },
    ]
    for (const env of envs) {
      for (const platform of ['linux', 'darwin'] as const) {
        expect(defaultDataDir(env, platform)).toBe(dataDir(env, platform))
        expect(defaultSocketPath(env, platform)).toBe(dataPaths(dataDir(env, platform), platform).socket)
      }
    }
    expect(defaultSocketPath({ TOKENWATCH_USER: 'ann' }, 'win32')).toBe(dataPaths('C:\\x', 'win32', 'ann').socket)
  })

  it('pipelines sends and matches every reply to its send, in order', async () => {
    rig = makeRig()
    await serve(rig)
    const tw = await connect({ socketPath: rig.socketPath })
    const acks = await Promise.all([
      tw.send({ id: 'a', agentId: 'app', model: 'm', input: 5, ts: new Date('2026-03-01T10:00:00Z') }),
      tw.send({ id: 'b', agentId: 'app', model: 'm', input: -5 }),
      tw.send({ id: 'c', agentId: 'app', model: 'm', output: 7, costUsd: 0.5 }),
    ])
    expect(acks).toEqual([
      { ok: true, id: 'a' },
      { ok: false, id: 'b', error: 'input: must be a non-negative integer' },
      { ok: true, id: 'c' },
    ])
    expect(tw.pending).toBe(0)
    await tw.close()
    expect(totals(rig.store)).toMatchObject({ input: 5, output: 7, requests: 2, costUsd: 0.5 })
  })

  it('rejects pending sends when the server goes away, and connect when nothing listens', async () => {
    rig = makeRig()
    await expect(connect({ socketPath: join(rig.dir, 'none.sock') })).rejects.toMatchObject({ code: 'ENOENT' })
    const server = await serve(rig)
    const tw = await connect({ socketPath: rig.socketPath })
    expect(await sendOne({ agentId: 'x', model: 'm' }, { socketPath: rig.socketPath })).toMatchObject({ ok: true })
    await server.close()
    await expect(tw.send({ agentId: 'x', model: 'm' })).rejects.toThrow()
  })
})

describe('tokenwatch emit', () => {
  it('sends one event from flags and prints the ack', async () => {
    rig = makeRig()
    await serve(rig)
    const io = capture()
    const code = await runEmit(
      [
        '--agent',
        'ci',
        '--model',
        'claude-sonnet-4-5',
        '--input',
        '100',
        '--output',
        '20',
        '--cache-read',
        '300',
        '--cache-write',
        '40',
        '--user',
        'ann',
        '--project',
        'web',
        '--session',
        's1',
        '--id',
        'job-7',
        '--ts',
        '2026-03-01T09:30:00Z',
        '--cost-usd',
        '0.25',
        '--socket',
        rig.socketPath,
      ],
      {},
      io,
    )
    expect([code, io.stdout, io.stderr]).toEqual([0, '{"ok":true,"id":"job-7"}\n', ''])
    expect(
      rig.store.db
        .prepare(
          'SELECT key, ts, user_id, agent_id, project, session_id, model, input, output, cache_read, cache_write, reported_cost_nusd FROM usage_events',
        )
        .get(),
    ).toEqual({
      key: 'ext:ci:job-7',
      ts: Date.UTC(2026, 2, 1, 9, 30),
      user_id: 'ann',
      agent_id: 'ci',
      project: 'web',
      session_id: 's1',
      model: 'claude-sonnet-4-5',
      input: 100,
      output: 20,
      cache_read: 300,
      cache_write: 40,
      reported_cost_nusd: 250_000_000,
    })
  })

  it('finds the socket through TOKENWATCH_HOME', async () => {
    rig = makeRig()
    await serve(rig)
    const io = capture()
    const code = await runEmit(
      ['--agent', 'a', '--model', 'm', '--output', '3', '--id', 'h'],
      { TOKENWATCH_HOME: join(rig.dir, 'home') },
      io,
    )
    expect([code, io.stdout]).toEqual([0, '{"ok":true,"id":"h"}\n'])
    expect(totals(rig.store).output).toBe(3)
  })

  it('exits 1 with the field named when the app refuses the event', async () => {
    rig = makeRig()
    await serve(rig)
    const io = capture()
    const code = await runEmit(['--agent', 'a', '--model', 'm', '--ts', 'yesterday', '--socket', rig.socketPath], {}, io)
    expect(code).toBe(1)
    expect(io.stderr).toBe('tokenwatch emit: refused: ts: must be ISO 8601 with a zone (e.g. 2026-03-01T12:00:00Z) or epoch milliseconds\n')
  })

  it('exits 1 with a clear message when Token Watch is not running', async () => {
    rig = makeRig()
    const io = capture()
    const sock = join(rig.dir, 'absent.sock')
    expect(await runEmit(['--agent', 'a', '--model', 'm', '--socket', sock], {}, io)).toBe(1)
    expect(io.stderr).toBe(
      `tokenwatch emit: Token Watch is not running (nothing listens on ${sock}); start the app or \`tokenwatch serve\`\n`,
    )
  })

  it.each([
    [['--model', 'm'], '--agent is required'],
    [['--agent', 'a'], '--model is required'],
    [['--agent', 'a', '--model', 'm', '--input', '1.5'], '--input: must be a non-negative integer, got "1.5"'],
    [['--agent', 'a', '--model', 'm', '--cost-usd', 'lots'], '--cost-usd: must be a non-negative number'],
    [['--agent', 'a', '--model', 'm', '--tokens', '5'], "Unknown option '--tokens'"],
  ])('exits 2 on bad usage %j', async (args, message) => {
    rig = makeRig()
    const io = capture()
    expect(await runEmit(args, {}, io)).toBe(2)
    expect(io.stderr.split('\n')[0]).toContain(message)
  })
})
