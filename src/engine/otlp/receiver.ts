/**
 * The OTLP/HTTP receiver: `POST /v1/logs`, `/v1/metrics`, `/v1/traces` on loopback, in
 * `application/x-protobuf` or `application/json`, gzip or not, answered as the OTLP
 * specification says (opentelemetry-proto docs/specification.md): 200 with an empty
 * Export*ServiceResponse or a partial_success, 400 for a body that does not decode, 413 over the
 * size limit (after decompression too), 415 for other content types and encodings, 405 for other
 * methods, 503 with Retry-After when the store cannot take the data now (retried by exporters).
 * The same Host and Origin rules as the HTTP push listener keep web pages out: a page can only
 * send a no-preflight POST with a form content type (415 here), and always with an Origin.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzip } from 'node:zlib'
import { isUtf8 } from 'node:buffer'
import { readBodyBytes } from '../http/body'
import { applyHttpLimits, httpLimits, httpServerOptions, type HttpLimits } from '../http/limits'
import { allowedHosts, isLoopbackHost } from '../http/security'
import type { OtlpIngest } from './ingest'
import { decodeProtobuf, encodeStatus, encodeSuccess, SIGNAL_PATHS, type OtlpSignal } from './proto'
import { ShapeError } from './records'

/** The OTLP/HTTP default port. */
export const OTLP_DEFAULT_PORT = 4318
/** Largest body accepted, compressed and after decompression (bytes). */
export const OTLP_MAX_BODY_BYTES = 16 * 1024 * 1024

/** gRPC status codes for the Status body of refusals. */
const GRPC = {
  invalidArgument: 3,
  permissionDenied: 7,
  resourceExhausted: 8,
  unimplemented: 12,
  internal: 13,
  unavailable: 14,
  notFound: 5,
}

export interface OtlpReceiverOptions {
  ingest: OtlpIngest
  /** Loopback address only (default 127.0.0.1). */
  host?: string
  /** Default 4318; 0 picks a free port. */
  port?: number
  maxBodyBytes?: number
  limits?: Partial<HttpLimits>
}

/** A listening receiver, and what it has answered (the Sources panel shows the counts). */
export interface OtlpReceiver {
  port: number
  /** `http://127.0.0.1:<port>`: what OTEL_EXPORTER_OTLP_ENDPOINT is set to. */
  url: string
  close(): Promise<void>
}

function send(res: ServerResponse, status: number, protobufBody: boolean, body: Buffer): void {
  res.writeHead(status, {
    'content-type': protobufBody ? 'application/x-protobuf' : 'application/json',
    'content-length': body.length,
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  })
  res.end(body)
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, protobufBody: boolean, code: number, message: string): void {
  // The body is not read: close the connection so it is not drained either.
  res.setHeader('connection', 'close')
  res.on('finish', () => req.destroy())
  send(res, status, protobufBody, encodeStatus(protobufBody, code, message))
}

type BodyType = 'protobuf' | 'json'

function bodyType(req: IncomingMessage): BodyType | undefined {
  const ct = (req.headers['content-type'] ?? '').toLowerCase()
  if (/^application\/x-protobuf\s*(;|$)/.test(ct)) return 'protobuf'
  if (/^application\/json\s*(;|$)/.test(ct)) return 'json'
  return undefined
}

function gunzipLimited(bytes: Buffer, limit: number): Promise<Buffer | 'too-large' | 'bad'> {
  return new Promise((resolve) => {
    gunzip(bytes, { maxOutputLength: limit }, (err, out) => {
      if (!err) resolve(out)
      else resolve((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError ? 'too-large' : 'bad')
    })
  })
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  signal: OtlpSignal,
  opts: OtlpReceiverOptions,
  port: number,
): Promise<void> {
  const type = bodyType(req)
  const pb = type === 'protobuf'
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST')
    return refuse(req, res, 405, pb, GRPC.unimplemented, 'use POST')
  }
  const host = req.headers.host?.toLowerCase()
  if (host === undefined || !allowedHosts(port).has(host))
    return refuse(req, res, 403, pb, GRPC.permissionDenied, 'host not allowed: use 127.0.0.1, localhost or [::1] with the port')
  if (req.headers.origin !== undefined)
    return refuse(req, res, 403, pb, GRPC.permissionDenied, 'requests from web pages (with an Origin header) are refused')
  if (!type) return refuse(req, res, 415, false, GRPC.invalidArgument, 'content-type must be application/x-protobuf or application/json')
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim()
  if (encoding !== 'gzip' && encoding !== 'identity')
    return refuse(req, res, 415, pb, GRPC.invalidArgument, 'content-encoding must be gzip or none')
  const limit = opts.maxBodyBytes ?? OTLP_MAX_BODY_BYTES
  const body = await readBodyBytes(req, limit)
  if (!body.ok) {
    if (body.status === 413) return refuse(req, res, 413, pb, GRPC.resourceExhausted, body.error)
    return send(res, 400, pb, encodeStatus(pb, GRPC.invalidArgument, body.error))
  }
  let bytes = body.bytes
  if (encoding === 'gzip') {
    const out = await gunzipLimited(bytes, limit)
    if (out === 'too-large')
      return send(res, 413, pb, encodeStatus(pb, GRPC.resourceExhausted, `body larger than ${limit} bytes after decompression`))
    if (out === 'bad') return send(res, 400, pb, encodeStatus(pb, GRPC.invalidArgument, 'body is not valid gzip'))
    bytes = out
  }
  let decoded: Record<string, unknown>
  if (pb) {
    const d = decodeProtobuf(signal, bytes)
    if (!d.ok) return send(res, 400, pb, encodeStatus(pb, GRPC.invalidArgument, d.error))
    decoded = d.value
  } else {
    let parsed: unknown
    try {
      if (!isUtf8(bytes)) throw new Error('not UTF-8')
      parsed = bytes.length === 0 ? {} : JSON.parse(bytes.toString('utf8'))
    } catch {
      return send(res, 400, pb, encodeStatus(pb, GRPC.invalidArgument, 'body is not valid JSON'))
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return send(res, 400, pb, encodeStatus(pb, GRPC.invalidArgument, 'body must be a JSON object (an OTLP export request)'))
    }
    decoded = parsed as Record<string, unknown>
  }
  let outcome
  try {
    outcome = opts.ingest.ingest(signal, decoded)
  } catch (e) {
    if (e instanceof ShapeError)
      return send(res, 400, pb, encodeStatus(pb, GRPC.invalidArgument, `not an OTLP ${signal} request: ${e.message}`))
    // A busy or failing store: the exporter retries 503 (and honours Retry-After); nothing was stored.
    res.setHeader('retry-after', '5')
    return send(res, 503, pb, encodeStatus(pb, GRPC.unavailable, `not stored: ${e instanceof Error ? e.message : String(e)}`))
  }
  send(res, 200, pb, encodeSuccess(signal, pb, outcome.rejected, outcome.errorMessage))
}

/** Starts the receiver; rejects with EADDRINUSE when the port is taken (the caller falls back). */
export function startOtlpReceiver(opts: OtlpReceiverOptions): Promise<OtlpReceiver> {
  const host = opts.host ?? '127.0.0.1'
  if (!isLoopbackHost(host)) return Promise.reject(new Error(`refusing to bind ${host}: the OTLP receiver is loopback only`))
  const bindHost = host === 'localhost' ? '127.0.0.1' : host
  const limits = httpLimits(opts.limits)
  let port = 0
  const server = createServer(httpServerOptions(limits), (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? ''
    const signal = SIGNAL_PATHS[path]
    if (!signal) {
      refuse(req, res, 404, bodyType(req) === 'protobuf', GRPC.notFound, 'OTLP/HTTP paths are /v1/logs, /v1/metrics and /v1/traces')
      return
    }
    handle(req, res, signal, opts, port).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, false, encodeStatus(false, GRPC.internal, e instanceof Error ? e.message : 'internal error'))
      else res.destroy()
    })
  })
  applyHttpLimits(server, limits)
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? OTLP_DEFAULT_PORT, bindHost, () => {
      server.off('error', reject)
      port = (server.address() as AddressInfo).port
      const urlHost = bindHost.includes(':') ? `[${bindHost}]` : bindHost
      resolve({
        port,
        url: `http://${urlHost}:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done())
            server.closeAllConnections()
          }),
      })
    })
  })
}
