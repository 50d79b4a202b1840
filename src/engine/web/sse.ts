/** Server-Sent Events: pushes each ChangeEvent to a page, with heartbeats so proxies keep it open. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AppApi } from '../../shared/contract'

/** How often a comment line is sent when nothing else happens. */
export const HEARTBEAT_MS = 15_000

/** Streams `api.onChange` to `res` until the client goes away; returns a function that ends it. */
export function openEventStream(
  req: IncomingMessage,
  res: ServerResponse,
  api: Pick<AppApi, 'onChange'>,
  heartbeatMs = HEARTBEAT_MS,
): () => void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  })
  // Ask the browser to reconnect after 3 s if the stream drops; the comment flushes headers now.
  res.write('retry: 3000\n: connected\n\n')
  const unsubscribe = api.onChange((e) => {
    res.write(`event: change\ndata: ${JSON.stringify(e)}\n\n`)
  })
  const beat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs)
  let closed = false
  const close = (): void => {
    if (closed) return
    closed = true
    clearInterval(beat)
    unsubscribe()
    res.end()
  }
  req.on('close', close)
  res.on('error', close)
  return close
}
