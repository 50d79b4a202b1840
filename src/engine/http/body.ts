/** Reads a request body with a hard size cap, without holding more than the cap in memory. */
import { isUtf8 } from 'node:buffer'
import type { IncomingMessage } from 'node:http'

/** Largest JSON body the API accepts. */
export const MAX_BODY_BYTES = 1024 * 1024

export type BodyResult =
  | { ok: true; text: string }
  // `unreadable`: the sender went away (or was evicted) before the end; not a bad message.
  | { ok: false; status: 413 | 400; error: string; why: 'too-large' | 'invalid-utf8' | 'unreadable' }

/** Resolves with the body text, or a 413 as soon as the declared or received size exceeds `limit`. */
export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BodyResult> {
  const r = await readBodyBytes(req, limit)
  if (!r.ok) return { ...r, why: r.status === 413 ? 'too-large' : 'unreadable' }
  // Decoding would turn every invalid sequence into U+FFFD: distinct ids would collide.
  if (!isUtf8(r.bytes)) return { ok: false, status: 400, error: 'body is not valid UTF-8', why: 'invalid-utf8' }
  return { ok: true, text: r.bytes.toString('utf8') }
}

export type BytesResult = { ok: true; bytes: Buffer } | { ok: false; status: 413 | 400; error: string }

/** The body's bytes, or a 413 as soon as the declared or received size exceeds `limit`. */
export function readBodyBytes(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<BytesResult> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.resolve({ ok: false, status: 413, error: `body larger than ${limit} bytes` })
  }
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let size = 0
    let done = false
    const finish = (r: BytesResult): void => {
      if (done) return
      done = true
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onError)
      resolve(r)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > limit) {
        chunks.length = 0
        // Stop reading; the caller answers 413 and closes the connection.
        req.pause()
        finish({ ok: false, status: 413, error: `body larger than ${limit} bytes` })
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => finish({ ok: true, bytes: Buffer.concat(chunks) })
    const onError = (): void => finish({ ok: false, status: 400, error: 'request body could not be read' })
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    // Closed before its end (a deadline, an eviction): nothing more will come.
    req.on('close', onError)
  })
}
