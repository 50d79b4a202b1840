// Token Watch client for Node: reports usage events to a running Token Watch over its local
// socket (see docs/PROTOCOL.md). Dependency-free; copy this file (and the .d.mts) into any app.
//
//   import { connect } from './tokenwatch-client.mjs'
//   const tw = await connect()
//   const ack = await tw.send({ id: 'req-1', agentId: 'my-bot', model: 'gpt-5', input: 1200, output: 300 })
//   await tw.close()

import net from 'node:net'
import os from 'node:os'
import path from 'node:path'

/** Token Watch's data dir, exactly as the app computes it (TOKENWATCH_HOME wins). */
export function defaultDataDir(env = process.env, platform = process.platform) {
  if (env.TOKENWATCH_HOME) return env.TOKENWATCH_HOME
  const p = platform === 'win32' ? path.win32 : path.posix
  const home = env.HOME || os.homedir()
  if (platform === 'darwin') return p.join(home, 'Library', 'Application Support', 'Token Watch')
  if (platform === 'win32') return p.join(env.APPDATA || p.join(home, 'AppData', 'Roaming'), 'Token Watch')
  return p.join(env.XDG_CONFIG_HOME || p.join(home, '.config'), 'Token Watch')
}

function osUser() {
  try {
    return os.userInfo().username
  } catch {
    return 'user'
  }
}

/** The socket the app listens on: `<data dir>/ingest.sock`, or `\\.\pipe\tokenwatch-<user>` on Windows. */
export function defaultSocketPath(env = process.env, platform = process.platform) {
  if (platform === 'win32') return `\\\\.\\pipe\\tokenwatch-${env.TOKENWATCH_USER || osUser()}`
  return path.posix.join(defaultDataDir(env, platform), 'ingest.sock')
}

/**
 * Connects to Token Watch. Resolves once connected; rejects if nothing listens (the error's
 * `code` is ENOENT or ECONNREFUSED: Token Watch is not running).
 */
export function connect({ socketPath = defaultSocketPath(), timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath)
    let timer = null
    const fail = (err) => {
      clearTimeout(timer)
      socket.destroy()
      reject(err)
    }
    timer = setTimeout(() => fail(Object.assign(new Error(`connect to ${socketPath} timed out`), { code: 'ETIMEDOUT' })), timeoutMs)
    socket.once('error', fail)
    socket.once('connect', () => {
      clearTimeout(timer)
      socket.off('error', fail)
      resolve(wrap(socket))
    })
  })
}

function wrap(socket) {
  // Replies come one per line in the order lines were sent: a FIFO of waiting promises.
  const waiting = []
  let head = 0
  let partial = ''
  let out = []
  let closed = null

  const settleAll = (err) => {
    closed = err
    for (let i = head; i < waiting.length; i++) waiting[i].reject(err)
    waiting.length = 0
    head = 0
  }
  socket.setEncoding('utf8')
  socket.on('data', (text) => {
    const lines = (partial + text).split('\n')
    partial = lines.pop()
    for (const line of lines) {
      if (line === '') continue
      const w = waiting[head++]
      if (!w) continue
      try {
        w.resolve(JSON.parse(line))
      } catch {
        w.reject(new Error(`unreadable reply: ${line.slice(0, 200)}`))
      }
    }
    // Drop settled entries now and then instead of shifting on every reply.
    if (head > 1024 && head * 2 > waiting.length) {
      waiting.splice(0, head)
      head = 0
    }
  })
  socket.on('error', (err) => settleAll(err))
  socket.on('close', () => settleAll(closed ?? new Error('connection closed before the reply')))

  // Lines sent in one tick go out in one write: pipelining without one syscall per event.
  const flush = () => {
    const text = out.join('')
    out = []
    if (text && !socket.destroyed) socket.write(text)
  }

  return {
    /**
     * Sends one event; resolves with its reply: `{ ok: true, id }`, or `{ ok: false, error }`
     * naming the field that is wrong. Rejects only if the connection fails.
     */
    send(event) {
      if (closed) return Promise.reject(closed)
      let line
      try {
        line = JSON.stringify(event) + '\n'
      } catch (err) {
        return Promise.reject(err)
      }
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject })
        if (out.push(line) === 1) process.nextTick(flush)
      })
    },
    /** Replies still awaited. */
    get pending() {
      return waiting.length - head
    },
    /** Waits for every reply owed, then closes the connection. */
    close() {
      return new Promise((resolve) => {
        if (socket.destroyed) return resolve()
        flush()
        socket.once('close', () => resolve())
        socket.end()
      })
    },
  }
}

/** Connects, sends one event, closes: the simplest way to report a single request. */
export async function sendOne(event, options) {
  const client = await connect(options)
  try {
    return await client.send(event)
  } finally {
    await client.close()
  }
}
