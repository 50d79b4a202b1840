/** `POST /v1/usage` on a loopback port, for senders that cannot use the socket. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { UsageEvent } from '../../shared/usage'
import type { EventWriter } from '../ingest/writer'
import { MAX_BODY_BYTES, readBody } from '../http/body'
import { applyHttpLimits, httpLimits, httpServerOptions, type HttpLimits } from '../http/limits'
import { allowedHosts, isLoopbackHost } from '../http/security'
import { decodeEvent, decodeLine, type DecodeResult, type PushDefaults } from '../push/decode-event'

/** The path this handler answers. */
export const USAGE_PATH = '/v1/usage'

export interface IngestHttpContext {
  writer: EventWriter
  /** Owner of events that do not name a `userId`. */
  userId: string
  /** The port the hosting server listens on: Host must be a loopback name with this port. */
  port: number
  maxBodyBytes?: number
  now?: () => number
}

/**
 * Most per-item results a reply lists (each under ~330 bytes: an id is at most 256 characters),
 * so a reply is at most a few hundred KiB whatever the body held.
 */
export const MAX_RESULTS = 1000

/** One item's outcome; `index` is its position in the body (array index or NDJSON line). */
export type ItemResult = { ok: true; id: string } | { ok: false; index: number; error: string; id?: string }

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(text)
}

/**
 * Why a request is refused before its body is read, or null. A web page can make a browser
 * send requests here; every such request carries an Origin (refused), a foreign Host after DNS
 * rebinding (refused), or, for a form, a non-JSON content type (refused).
 */
function refusal(req: IncomingMessage, ctx: IngestHttpContext): [number, string] | null {
  if (req.method !== 'POST') return [405, 'use POST']
  const host = req.headers.host?.toLowerCase()
  if (host === undefined || !allowedHosts(ctx.port).has(host))
    return [403, 'host not allowed: use 127.0.0.1, localhost or [::1] with the port']
  if (req.headers.origin !== undefined) return [403, 'requests from web pages (with an Origin header) are refused']
  if (!/^application\/(json|x-ndjson)\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
    return [415, 'content-type must be application/json or application/x-ndjson']
  }
  return null
}

/** Decodes the body into per-item results: one JSON object, a JSON array, or NDJSON lines. */
export function decodeBody(text: string, ndjson: boolean, now: number, defaults: PushDefaults): DecodeResult[] | string {
  if (ndjson) {
    return text
      .split('\n')
      .map((l) => l.replace(/\r$/, ''))
      .filter((l) => l.trim() !== '')
      .map((l) => decodeLine(l, now, defaults))
  }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return 'body is not valid JSON (send application/x-ndjson for one event per line)'
  }
  return Array.isArray(body) ? body.map((o) => decodeEvent(o, now, defaults)) : [decodeEvent(body, now, defaults)]
}

async function handle(req: IncomingMessage, res: ServerResponse, ctx: IngestHttpContext): Promise<void> {
  const refused = refusal(req, ctx)
  if (refused) {
    if (refused[0] === 405) res.setHeader('allow', 'POST')
    // Do not read a body we refuse; close so it is not drained either.
    res.setHeader('connection', 'close')
    res.on('finish', () => req.destroy())
    return send(res, refused[0], { ok: false, error: refused[1] })
  }
  const body = await readBody(req, ctx.maxBodyBytes ?? MAX_BODY_BYTES)
  if (!body.ok) {
    // A whole body refused is counted like a refused line; a sender that went away is not.
    if (body.why !== 'unreadable') ctx.writer.refusals.count('http', body.why)
    if (body.status === 413) {
      res.setHeader('connection', 'close')
      res.on('finish', () => req.destroy())
    }
    return send(res, body.status, { ok: false, error: body.error })
  }
  const ndjson = /^application\/x-ndjson/i.test(req.headers['content-type'] ?? '')
  const decoded = decodeBody(body.text, ndjson, (ctx.now ?? Date.now)(), { userId: ctx.userId, source: 'http' })
  if (typeof decoded === 'string') {
    ctx.writer.refusals.count('http', 'malformed-json')
    return send(res, 400, { ok: false, error: decoded })
  }
  if (decoded.length === 0) return send(res, 400, { ok: false, error: 'no events in the body' })
  const events: UsageEvent[] = []
  for (const r of decoded) {
    if (r.ok) events.push(r.event)
    else ctx.writer.refusals.count('http', r.reason)
  }
  let notStored: ReadonlyMap<string, string> = new Map()
  if (events.length > 0) {
    try {
      notStored = await ctx.writer.submit(events)
    } catch (e) {
      return send(res, 500, { ok: false, error: `not stored: ${e instanceof Error ? e.message : String(e)}` })
    }
  }
  const results: ItemResult[] = decoded.map((r, index) => {
    if (!r.ok) return r.id === undefined ? { ok: false, index, error: r.error } : { ok: false, index, id: r.id, error: r.error }
    const why = notStored.get(r.event.key)
    return why === undefined ? { ok: true, id: r.id } : { ok: false, index, id: r.id, error: `not stored: ${why}` }
  })
  const accepted = results.filter((r) => r.ok).length
  // Partial success is 200 with ok:false: the accepted events are stored, resending is safe
  // with ids, and the failed items say what to fix. Nothing accepted is 400.
  const status = accepted === 0 ? 400 : 200
  const reply: Record<string, unknown> = { ok: accepted === decoded.length, accepted, rejected: decoded.length - accepted }
  // Bounded reply: a body of a million tiny bad lines must not earn a reply thirty times its size.
  // Only the first MAX_RESULTS items are listed; the counts stay exact and say how many were not.
  reply.results = results.length > MAX_RESULTS ? results.slice(0, MAX_RESULTS) : results
  if (results.length > MAX_RESULTS) reply.resultsOmitted = results.length - MAX_RESULTS
  send(res, status, reply)
}

/**
 * Answers `POST /v1/usage` (any method on that path) and returns true; returns false for other
 * paths so a hosting server (the dashboard) can mount it before its own routes. Replies only
 * after the events' transaction committed.
 */
export function handleUsagePost(req: IncomingMessage, res: ServerResponse, ctx: IngestHttpContext): boolean {
  const path = (req.url ?? '').split('?')[0]
  if (path !== USAGE_PATH) return false
  handle(req, res, ctx).catch((e: unknown) => {
    if (!res.headersSent) send(res, 500, { ok: false, error: e instanceof Error ? e.message : 'internal error' })
    else res.destroy()
  })
  return true
}

export interface IngestHttpOptions {
  writer: EventWriter
  userId: string
  /** Loopback address only (default 127.0.0.1). */
  host?: string
  /** 0 picks a free port. */
  port?: number
  maxBodyBytes?: number
  now?: () => number
  /** Connection cap and timeouts (default HTTP_LIMITS). */
  limits?: Partial<HttpLimits>
}

/** A listening standalone ingest port. */
export interface IngestHttpServer {
  port: number
  /** `http://127.0.0.1:<port>/v1/usage` */
  url: string
  close(): Promise<void>
}

/** Starts a loopback HTTP server that only answers `POST /v1/usage`. */
export function startIngestHttp(opts: IngestHttpOptions): Promise<IngestHttpServer> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) return Promise.reject(new Error(`refusing to bind ${host}: the ingest port is loopback only`))
  const bindHost = host === 'localhost' ? '127.0.0.1' : host
  const ctx: IngestHttpContext = { writer: opts.writer, userId: opts.userId, port: 0 }
  if (opts.maxBodyBytes !== undefined) ctx.maxBodyBytes = opts.maxBodyBytes
  if (opts.now !== undefined) ctx.now = opts.now
  const limits = httpLimits(opts.limits)
  const server = createServer(httpServerOptions(limits), (req, res) => {
    if (!handleUsagePost(req, res, ctx)) send(res, 404, { ok: false, error: `only POST ${USAGE_PATH} is served here` })
  })
  applyHttpLimits(server, limits)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, bindHost, () => {
      server.off('error', reject)
      ctx.port = (server.address() as AddressInfo).port
      const urlHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost
      resolve({
        port: ctx.port,
        url: `http://${urlHost}:${ctx.port}${USAGE_PATH}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
