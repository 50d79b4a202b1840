/** Serves the built renderer from one folder: content types, no traversal, no directory listings. */
import { createReadStream } from 'node:fs'
import { realpath, stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { extname, resolve, sep } from 'node:path'

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
}

/** The content type for a file name; unknown types are served as opaque bytes. */
export function contentType(file: string): string {
  return CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** Maps a URL path to a file under `root`, or null when it would escape `root` or is malformed. */
export function resolveStaticPath(root: string, urlPath: string): string | null {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null
  if (decoded.split('/').includes('..')) return null
  const rel = decoded === '/' || decoded === '' ? 'index.html' : decoded.replace(/^\/+/, '')
  const full = resolve(root, rel)
  return full.startsWith(root + sep) ? full : null
}

type Send = (status: number, text: string) => void

/** Answers a GET/HEAD for a static file; `notFound` is called for anything it will not serve. */
export async function serveStatic(
  req: IncomingMessage,
  res: ServerResponse,
  rootDir: string,
  urlPath: string,
  notFound: Send,
): Promise<void> {
  let root: string
  try {
    root = await realpath(rootDir)
  } catch {
    notFound(404, 'not found')
    return
  }
  const file = resolveStaticPath(root, urlPath)
  if (file === null) {
    notFound(404, 'not found')
    return
  }
  try {
    // Resolve symlinks too: a link inside the folder must not lead out of it.
    const real = await realpath(file)
    if (!real.startsWith(root + sep)) throw new Error('outside root')
    const st = await stat(real)
    if (!st.isFile()) throw new Error('not a file')
    const immutable = real.startsWith(resolve(root, 'assets') + sep)
    res.writeHead(200, {
      'content-type': contentType(real),
      'content-length': st.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    })
    if (req.method === 'HEAD') {
      res.end()
      return
    }
    createReadStream(real)
      .on('error', () => res.destroy())
      .pipe(res)
  } catch {
    notFound(404, 'not found')
  }
}
