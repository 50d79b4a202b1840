import { connect, type Socket } from 'node:net'
import { join } from 'node:path'
import { createEventWriter, type EventWriter } from '../../../src/engine/ingest/writer'
import { createCoster } from '../../../src/engine/pricing/coster'
import { startSocketServer, type SocketServer, type SocketServerOptions } from '../../../src/engine/push/socket-server'
import { runReport } from '../../../src/engine/query/report'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import type { Figures } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/temp'

/** 2026-03-01T12:00:00Z: a fixed clock so events without ts land in a known hour. */
export const NOW = Date.UTC(2026, 2, 1, 12)

/** A real store in a temp dir, with the group-commit writer. No price table: only a cost the
 * sender reports (costUsd) is priced; everything else is stored as unpriced. */
export interface Rig {
  dir: string
  dbPath: string
  socketPath: string
  store: Store
  writer: EventWriter
  /** Closes whatever the test started, in reverse order. */
  cleanup(): Promise<void>
  defer(fn: () => unknown): void
}

export function makeRig(): Rig {
  const dir = tempDir('tw-push-')
  const dbPath = join(dir, 'tokenwatch.db')
  const store = openStore(dbPath)
  const writer = createEventWriter(store, createCoster({ resolve: () => undefined, version: 'none' }))
  const closers: (() => unknown)[] = [() => store.close()]
  return {
    dir,
    dbPath,
    store,
    writer,
    socketPath: join(dir, 'home', 'ingest.sock'),
    defer: (fn) => closers.push(fn),
    async cleanup() {
      for (const c of closers.splice(0).reverse()) await c()
    },
  }
}

/** Starts a socket server on the rig's path; closed by cleanup(). */
export async function serve(rig: Rig, opts: Partial<SocketServerOptions> = {}): Promise<SocketServer> {
  const server = await startSocketServer({ path: rig.socketPath, writer: rig.writer, userId: 'tester', now: () => NOW, ...opts })
  rig.defer(() => server.close())
  return server
}

/** Totals of everything stored, as the report computes them. */
export function totals(store: Store): Figures {
  return runReport(store, { tz: 'UTC', groupBy: ['model'] }).totals
}

/** A raw socket speaking lines: write text, await a number of reply lines. */
export interface LineConn {
  socket: Socket
  write(text: string | Buffer): void
  /** Resolves with the next `n` reply lines, parsed. */
  replies(n: number): Promise<Record<string, unknown>[]>
  /** Resolves when the server closes the connection. */
  closed: Promise<void>
  end(): void
}

export function lineConn(path: string): Promise<LineConn> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    const lines: string[] = []
    let partial = ''
    let wake: (() => void) | null = null
    socket.setEncoding('utf8')
    socket.on('data', (t: string) => {
      const parts = (partial + t).split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts)
      wake?.()
    })
    const closed = new Promise<void>((done) => socket.once('close', () => done()))
    socket.once('error', reject)
    socket.once('connect', () => {
      // Refused or reset connections may error on write; tests look at replies and `closed`.
      socket.on('error', () => {})
      resolve({
        socket,
        closed,
        write: (text) => socket.write(text),
        end: () => socket.end(),
        async replies(n) {
          while (lines.length < n) {
            await new Promise<void>((r) => {
              wake = r
              void closed.then(r)
            })
            if (socket.destroyed && lines.length < n) throw new Error(`connection closed after ${lines.length} of ${n} replies`)
          }
          return lines.splice(0, n).map((l) => JSON.parse(l) as Record<string, unknown>)
        },
      })
    })
  })
}

/** One valid event line. */
export function eventLine(fields: Record<string, unknown>): string {
  return `${JSON.stringify({ agentId: 'bot', model: 'm-1', ...fields })}\n`
}
