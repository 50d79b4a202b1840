/** Bounds on the loopback HTTP listeners: slow or flooding local clients cannot starve valid senders. */
import type { Server, ServerOptions } from 'node:http'
import type { Socket } from 'node:net'

export interface HttpLimits {
  /** Connections open at once; one more evicts the oldest connection with no request in progress. */
  maxConnections: number
  /** Time a client has to send a request's headers (ms); then 408 and closed. */
  headersTimeoutMs: number
  /** Time a client has to send a whole request, body included (ms); then 408 and closed. */
  requestTimeoutMs: number
  /** An idle keep-alive connection is closed after this (ms). */
  keepAliveTimeoutMs: number
}

/** A local sender posts a few hundred bytes; a dashboard holds a handful of connections. */
export const HTTP_LIMITS: HttpLimits = { maxConnections: 256, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000 }

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

/**
 * Caps open connections at `l.maxConnections`. Node's own `maxConnections` refuses the newcomer,
 * so a few hundred stalled clients would lock every valid sender out until their timeouts; here
 * the newcomer evicts the oldest connection that has no request in progress (one still sending
 * its headers, or idle keep-alive), and is refused only when every connection is mid-request.
 * Requests (an event stream, a body being read) are never cut.
 */
export function applyHttpLimits(server: Server, l: HttpLimits): void {
  server.keepAliveTimeout = l.keepAliveTimeoutMs
  // Map order is age order: the first idle entry is the oldest idle connection.
  const open = new Map<Socket, { requests: number }>()
  server.on('connection', (socket: Socket) => {
    if (open.size >= l.maxConnections) {
      let victim: Socket | undefined
      for (const [s, state] of open) {
        if (state.requests === 0) {
          victim = s
          break
        }
      }
      if (!victim) {
        socket.destroy()
        return
      }
      open.delete(victim)
      victim.destroy()
    }
    open.set(socket, { requests: 0 })
    socket.once('close', () => open.delete(socket))
  })
  server.on('request', (req, res) => {
    const state = open.get(req.socket)
    if (!state) return
    state.requests++
    res.once('close', () => state.requests--)
  })
}
