/** Bounds on the loopback HTTP listeners: slow or flooding local clients cannot starve valid senders. */
import type { IncomingMessage, Server, ServerOptions } from 'node:http'
import type { Socket } from 'node:net'

export interface HttpLimits {
  /** Connections open at once; one more evicts the oldest connection with no request in progress. */
  maxConnections: number
  /** Time a client has to send a request's headers (ms); then 408 and closed. */
  headersTimeoutMs: number
  /** Time a client has to send a whole request, body included (ms); then 408 and closed. */
  requestTimeoutMs: number
  /** Time a client has, once its headers are in, to send the whole body (ms); then 408 and closed. */
  bodyTimeoutMs: number
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveTimeoutMs: number
}

/** A local sender posts a few hundred bytes; a dashboard holds a handful of connections. */
export const HTTP_LIMITS: HttpLimits = {
  maxConnections: 256,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  bodyTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
}

/** The limits with `overrides` applied (tests shorten the timeouts). */
export function httpLimits(overrides: Partial<HttpLimits> = {}): HttpLimits {
  return { ...HTTP_LIMITS, ...overrides }
}

/** `createServer` options enforcing the timeouts. */
export function httpServerOptions(l: HttpLimits): ServerOptions {
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    // Node checks both timeouts on this interval; its 30 s default would stretch a 10 s bound to 40 s.
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
  }
}

/** A connection as the cap sees it: how many requests it has in progress, and the latest. */
interface ConnState {
  requests: number
  req: IncomingMessage | undefined
}

/** Still sending its body: a request whose message has not been received whole. */
function uploading(state: ConnState): boolean {
  return state.requests > 0 && state.req !== undefined && !state.req.complete
}

/**
 * Caps open connections at `l.maxConnections`. Node's own `maxConnections` refuses the newcomer,
 * so a few hundred stalled clients would lock every valid sender out until their timeouts; here
 * the newcomer evicts the oldest connection that has no request in progress (one still sending
 * its headers, or idle keep-alive), else the oldest one still uploading a body (a slow upload
 * holds its slot only while nobody else needs it), and is refused only when every connection has
 * a whole request being answered (an event stream, a commit). Every body also has a deadline,
 * `l.bodyTimeoutMs` from its headers: then 408 and closed, however steadily it trickles.
 */
export function applyHttpLimits(server: Server, l: HttpLimits): void {
  server.keepAliveTimeout = l.keepAliveTimeoutMs
  // Map order is age order: the first match is the oldest.
  const open = new Map<Socket, ConnState>()
  const oldest = (test: (s: ConnState) => boolean): Socket | undefined => {
    for (const [socket, state] of open) if (test(state)) return socket
    return undefined
  }
  server.on('connection', (socket: Socket) => {
    if (open.size >= l.maxConnections) {
      const victim = oldest((s) => s.requests === 0) ?? oldest(uploading)
      if (!victim) {
        socket.destroy()
        return
      }
      open.delete(victim)
      victim.destroy()
    }
    open.set(socket, { requests: 0, req: undefined })
    socket.once('close', () => open.delete(socket))
  })
  server.on('request', (req: IncomingMessage, res) => {
    const state = open.get(req.socket)
    if (state) {
      state.requests++
      state.req = req
      res.once('close', () => state.requests--)
    }
    const deadline = setTimeout(() => {
      if (req.complete) return
      if (!res.headersSent) {
        res.writeHead(408, { 'content-type': 'application/json', connection: 'close' })
        res.end(JSON.stringify({ ok: false, error: `request body not received within ${l.bodyTimeoutMs / 1000} s` }), () =>
          req.socket.destroy(),
        )
      } else req.socket.destroy()
    }, l.bodyTimeoutMs)
    deadline.unref()
    const clear = (): void => clearTimeout(deadline)
    req.once('end', clear)
    res.once('close', clear)
  })
}
