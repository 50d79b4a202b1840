/** The local ingest socket: a Unix socket (named pipe on Windows) taking NDJSON usage reports. */
import { createServer, type Socket } from 'node:net'
import { userInfo } from 'node:os'
import type { EventWriter } from '../ingest/writer'
import { createBudget } from './budget'
import { serveConnection, type Connection } from './connection'
import { MAX_LINE_BYTES } from './line-splitter'
import { listenAt, releasePath } from './socket-path'

export { AlreadyRunningError } from './socket-path'

export interface SocketServerOptions {
  /** Socket path (`dataPaths(dir).socket`) or Windows pipe name. */
  path: string
  writer: EventWriter
  /** Owner of events that do not name a `userId` (default: the OS user). */
  userId?: string
  /**
   * Connections served at once. A newcomer past it evicts the connection idle the longest
   * (nothing unanswered, no partial line); only when none is idle is it told so and closed.
   */
  maxConnections?: number
  maxLineBytes?: number
  /** Input bytes per connection awaiting replies before that connection stops being read. */
  maxPendingBytes?: number
  /** The same over all connections together (default 16 MiB). */
  maxTotalPendingBytes?: number
  /** Silent connections are closed after this long (default 5 minutes). */
  idleMs?: number
  /** Clock for events without `ts` (tests pin it). */
  now?: () => number
}

/** A listening ingest socket. */
export interface SocketServer {
  path: string
  /** Connections being served now. */
  readonly connections: number
  /** Input bytes (or reply bytes, if more) read but not yet answered, over all connections. */
  readonly pendingBytes: number
  /** Stops accepting, sends every reply still owed, closes connections, removes the socket. */
  close(): Promise<void>
}

/** How long close() waits for a client to take its last replies. */
const CLOSE_GRACE_MS = 2000

function osUser(): string {
  try {
    return userInfo().username
  } catch {
    return 'user'
  }
}

/** The connection idle the longest, if any is idle. */
function longestIdle(live: Map<Socket, Connection>): Socket | undefined {
  let victim: Socket | undefined
  let since = Infinity
  for (const [socket, c] of live) {
    const t = c.idleSince()
    if (t !== undefined && t < since) {
      since = t
      victim = socket
    }
  }
  return victim
}

function refuse(socket: Socket, max: number): void {
  socket.on('error', () => {})
  // The reason sits in the client's receive queue, so closing at once still delivers it; not
  // lingering keeps a connection flood from holding file descriptors.
  socket.end(`{"ok":false,"error":"too many connections (limit ${max}); try again later"}\n`, () => socket.destroy())
}

/**
 * Starts the socket server. Throws AlreadyRunningError when another instance answers on the
 * path; replaces a socket left by a crash. Acknowledges each event only after its commit.
 */
export async function startSocketServer(opts: SocketServerOptions): Promise<SocketServer> {
  const max = opts.maxConnections ?? 256
  const budget = createBudget(opts.maxTotalPendingBytes ?? 16 * 1024 * 1024)
  const options = {
    writer: opts.writer,
    defaults: { userId: opts.userId ?? osUser(), source: 'socket' as const },
    maxLineBytes: opts.maxLineBytes ?? MAX_LINE_BYTES,
    maxPendingBytes: opts.maxPendingBytes ?? 1024 * 1024,
    budget,
    idleMs: opts.idleMs ?? 5 * 60_000,
    now: opts.now ?? Date.now,
  }
  const live = new Map<Socket, Connection>()
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (live.size >= max) {
      const victim = longestIdle(live)
      if (!victim) return refuse(socket, max)
      live.delete(victim)
      // It owes nothing and is owed nothing: say why, then close.
      victim.end(`{"ok":false,"error":"closed: idle while ${max} connections were open; reconnect to send more"}\n`, () => victim.destroy())
      setTimeout(() => victim.destroy(), 1000).unref()
    }
    live.set(socket, serveConnection(socket, options))
    socket.once('close', () => live.delete(socket))
  })
  server.on('error', () => {
    // After listen succeeded errors are per-connection (handled there); keep serving.
  })
  const ino = await listenAt(server, opts.path)
  let closing: Promise<void> | undefined
  return {
    path: opts.path,
    get connections() {
      return live.size
    },
    get pendingBytes() {
      return budget.used
    },
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((done) => server.close(() => done()))
        await Promise.all([...live.values()].map((c) => c.shutdown(CLOSE_GRACE_MS)))
        await stopped
        releasePath(opts.path, ino)
      })()
      return closing
    },
  }
}
