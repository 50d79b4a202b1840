/**
 * The headless transport of the contract: a loopback-only HTTP server that serves the built
 * renderer and answers `POST /api/<method>` plus a `GET /api/events` change stream.
 * Plain `node:http`; never imports electron.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import { API_METHOD_TABLE, DATA_SCOPES, headlessAnswer, type ApiMethod, type AppApi, type DataScope } from '../../shared/contract'
import { callApi } from '../api-dispatch'
import { MAX_BODY_BYTES, readBody } from '../http/body'
import { applyHttpLimits, httpLimits, httpServerOptions, type HttpLimits } from '../http/limits'
import { CODE_TTL_MS, hasSession, linkSpentHtml, LoginCodes, sessionCookie } from './login'
import { CSP, TOKEN_HEADER, allowedHosts, hostAllowed, isLoopbackHost, newToken, originAllowed, tokenMatches } from '../http/security'
import { openEventStream, HEARTBEAT_MS } from './sse'
import { serveStatic } from './static-files'
import { Invalid, validateCall, type ValidCall } from '../schema/contract'
import { handleUsagePost, USAGE_PATH, type IngestHttpContext } from './http-ingest'

export interface WebServerOptions {
  /** The engine side of the contract. */
  api: AppApi
  /**
   * The contract over another data scope, for `/api/<scope>/<method>` and `/api/<scope>/events`
   * (this machine, my machines, the team); throws when the scope is not served.
   */
  scoped?: (scope: DataScope) => AppApi
  /** The built renderer (out/renderer). */
  staticDir: string
  /** Loopback address to bind; anything else is refused. */
  host?: string
  /** 0 picks a free port. */
  port?: number
  /** The per-launch secret; a random one is made when omitted. It is never printed: browsers
   * sign in with a one-time code (see `url`) and get it as an HttpOnly cookie. */
  token?: string
  /** How long a one-time link can be opened (default 10 minutes). */
  codeTtlMs?: number
  /** Told of each fresh link made because the last one was used or a spent one was opened. */
  onLink?: (url: string) => void
  /** SSE heartbeat interval (tests shorten it). */
  heartbeatMs?: number
  /** Largest accepted request body. */
  maxBodyBytes?: number
  /** Also accept pushed usage on POST /v1/usage (docs/PROTOCOL.md), written through this writer. */
  ingest?: Omit<IngestHttpContext, 'port'>
  /** Connection cap and timeouts (default HTTP_LIMITS). */
  limits?: Partial<HttpLimits>
}

export interface WebServer {
  /**
   * The address to open: `http://127.0.0.1:<port>/?code=<one-time code>`. Opening it trades the
   * code (once, within the TTL) for an HttpOnly SameSite=Strict session cookie and redirects to `/`.
   */
  url: string
  port: number
  /** The session secret, for programs (the `X-TokenWatch-Token` header); never printed. */
  token: string
  /** A fresh one-time link. */
  newLink(): string
  close(): Promise<void>
}

// Exhaustive: a method added to the contract is a compile error here until it is listed.
function isMethod(name: string): name is ApiMethod {
  return Object.hasOwn(API_METHOD_TABLE, name)
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  })
  res.end(text)
}

function fail(res: ServerResponse, status: number, error: string): void {
  sendJson(res, status, { ok: false, error })
}

/** Runs one validated call; a desktop-only method gets its headless answer and never reaches the engine. */
function dispatch(api: AppApi, call: ValidCall): Promise<unknown> {
  const headless = headlessAnswer(call.method)
  return headless === undefined ? callApi(api, call) : Promise.resolve(headless)
}

/** Parses `{"arg": ...}`; an empty body means no argument. */
function parseEnvelope(text: string): { ok: true; arg: unknown } | { ok: false; error: string } {
  if (text.trim() === '') return { ok: true, arg: undefined }
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    return { ok: false, error: 'body is not valid JSON' }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, error: 'body must be an object {"arg": ...}' }
  const extra = Object.keys(body).find((k) => k !== 'arg')
  if (extra !== undefined) return { ok: false, error: `${extra}: unknown field` }
  return { ok: true, arg: (body as { arg?: unknown }).arg }
}

async function handleCall(req: IncomingMessage, res: ServerResponse, api: AppApi, method: ApiMethod, maxBody: number): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST')
    fail(res, 405, 'use POST')
    return
  }
  const type = req.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) {
    fail(res, 415, 'content-type must be application/json')
    return
  }
  const body = await readBody(req, maxBody)
  if (!body.ok) {
    if (body.status === 413) {
      // Do not read the rest: answer, then drop the connection.
      res.setHeader('connection', 'close')
      res.on('finish', () => req.destroy())
    }
    fail(res, body.status, body.error)
    return
  }
  const envelope = parseEnvelope(body.text)
  if (!envelope.ok) {
    fail(res, 400, envelope.error)
    return
  }
  let call: ValidCall
  try {
    call = validateCall(method, envelope.arg)
  } catch (e) {
    if (e instanceof Invalid) {
      fail(res, 400, e.message)
      return
    }
    throw e
  }
  try {
    sendJson(res, 200, { ok: true, result: await dispatch(api, call) })
  } catch (e) {
    fail(res, 500, e instanceof Error ? e.message : String(e))
  }
}

/** Starts the server; resolves once it listens. */
export function startWebServer(opts: WebServerOptions): Promise<WebServer> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) return Promise.reject(new Error(`refusing to bind ${host}: the web server is loopback only`))
  const bindHost = host === 'localhost' ? '127.0.0.1' : host
  const token = opts.token ?? newToken()
  const staticDir = resolve(opts.staticDir)
  const heartbeatMs = opts.heartbeatMs ?? HEARTBEAT_MS
  const maxBody = opts.maxBodyBytes ?? MAX_BODY_BYTES
  const streams = new Set<() => void>()
  let hosts = new Set<string>()
  const codeTtlMs = opts.codeTtlMs ?? CODE_TTL_MS
  const codes = new LoginCodes(codeTtlMs)
  let linkBase = ''
  const newLink = (): string => `${linkBase}/?code=${codes.issue()}`

  /** `/?code=…`: a fresh code signs the browser in and leaves the address bar; a spent one says so. */
  const signIn = (req: IncomingMessage, res: ServerResponse, url: URL, code: string): void => {
    const port = Number(req.socket.localPort)
    // A browser already signed in that opens an old link again just gets the page.
    const already = hasSession(req, port, token)
    const redeemed = codes.redeem(code) // a link works once, whoever opens it
    if (already || redeemed) {
      if (redeemed) opts.onLink?.(newLink()) // another browser may want in: the next link is ready
      url.searchParams.delete('code')
      const rest = url.searchParams.toString()
      res.writeHead(303, {
        location: `${url.pathname}${rest === '' ? '' : `?${rest}`}`,
        'set-cookie': sessionCookie(port, token),
        'cache-control': 'no-store',
      })
      res.end()
      return
    }
    opts.onLink?.(newLink())
    res.writeHead(401, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
    res.end(linkSpentHtml(codeTtlMs))
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.setHeader('content-security-policy', CSP)
    res.setHeader('x-content-type-options', 'nosniff')
    res.setHeader('x-frame-options', 'DENY')
    res.setHeader('referrer-policy', 'no-referrer')
    res.setHeader('cross-origin-resource-policy', 'same-origin')
    if (!hostAllowed(req, hosts)) return fail(res, 403, 'host not allowed')
    if (!originAllowed(req, hosts)) return fail(res, 403, 'origin not allowed')

    const url = new URL(req.url ?? '/', 'http://localhost')
    const rawPath = (req.url ?? '/').split('?')[0] ?? '/'
    // Pushed usage has its own checks (no Origin at all, JSON content type) and no token.
    if (rawPath === USAGE_PATH && opts.ingest) {
      handleUsagePost(req, res, { ...opts.ingest, port: Number(req.socket.localPort) })
      return
    }
    if (!rawPath.startsWith('/api/')) {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.setHeader('allow', 'GET, HEAD')
        return fail(res, 405, 'method not allowed')
      }
      const code = url.searchParams.get('code')
      if (code !== null) return signIn(req, res, url, code)
      return serveStatic(req, res, staticDir, rawPath, (status, error) => fail(res, status, error))
    }

    let name = rawPath.slice('/api/'.length)
    // `/api/<scope>/<method>`: the same contract over another scope's data.
    const slash = name.indexOf('/')
    const scope = slash < 0 ? undefined : name.slice(0, slash)
    if (scope !== undefined) name = name.slice(slash + 1)
    const isEvents = name === 'events' && req.method === 'GET'
    // EventSource cannot send headers, so the event stream alone accepts ?token=.
    // A signed-in browser sends its cookie; programs send the token in a header.
    const given = req.headers[TOKEN_HEADER] ?? (isEvents ? url.searchParams.get('token') : null)
    if (!hasSession(req, Number(req.socket.localPort), token) && !tokenMatches(Array.isArray(given) ? given[0] : given, token)) {
      return fail(res, 401, 'not signed in: open a link printed by tokenwatch serve (each works once), or send the token')
    }

    let api = opts.api
    if (scope !== undefined) {
      if (!(DATA_SCOPES as readonly string[]).includes(scope)) return fail(res, 404, `unknown data scope ${JSON.stringify(scope)}`)
      try {
        if (!opts.scoped) throw new Error('this server serves one data scope')
        api = opts.scoped(scope as DataScope)
      } catch (e) {
        return fail(res, 404, e instanceof Error ? e.message : String(e))
      }
    }
    if (isEvents) {
      const close = openEventStream(req, res, api, heartbeatMs)
      streams.add(close)
      req.on('close', () => streams.delete(close))
      return
    }
    if (!isMethod(name)) return fail(res, 404, `unknown method ${JSON.stringify(name)}`)
    return handleCall(req, res, api, name, maxBody)
  }

  const limits = httpLimits(opts.limits)
  const server = createServer(httpServerOptions(limits), (req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) fail(res, 500, e instanceof Error ? e.message : 'internal error')
      else res.destroy()
    })
  })
  applyHttpLimits(server, limits)

  return new Promise((resolvePromise, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, bindHost, () => {
      server.off('error', reject)
      const port = (server.address() as AddressInfo).port
      hosts = allowedHosts(port)
      hosts.add(`${bindHost.includes(':') ? `[${bindHost}]` : bindHost}:${port}`)
      const urlHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost
      linkBase = `http://${urlHost}:${port}`
      resolvePromise({
        url: newLink(),
        port,
        token,
        newLink,
        close: () =>
          new Promise<void>((done) => {
            for (const end of streams) end()
            streams.clear()
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
