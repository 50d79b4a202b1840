/** The contract over HTTP, for the headless server: POST /api/<method>, SSE for change events. */
import { contractMethods, type ApiMethod, type AppApi, type ChangeEvent, type DataScope } from '../../../shared/contract'
import type { ProbeResult, ServerLink } from './server-link'

/** Header the server checks on every /api request. */
export const TOKEN_HEADER = 'X-TokenWatch-Token'

/** A failed call: `status` is the HTTP status (0 when the server could not be reached). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

type Reply = { ok: true; result: unknown } | { ok: false; error: string }

function isReply(v: unknown): v is Reply {
  return typeof v === 'object' && v !== null && 'ok' in v && typeof v.ok === 'boolean'
}

/** Builds an AppApi that talks to the server at `base` (same origin when ''), over one scope's data (`/api/<scope>/…`). */
export function createHttpApi(token: string | null, base = '', scope: DataScope = 'local', link?: ServerLink): AppApi {
  const prefix = `${base}/api/${scope === 'local' ? '' : `${scope}/`}`
  async function post(method: ApiMethod, arg?: unknown): Promise<unknown> {
    let res: Response
    try {
      res = await fetch(`${prefix}${method}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(token === null ? {} : { [TOKEN_HEADER]: token }) },
        body: JSON.stringify(arg === undefined ? {} : { arg }),
      })
    } catch {
      link?.unreachable()
      throw new ApiError(0, 'The Token Watch server is not reachable. Is `tokenwatch serve` still running?')
    }
    if (res.status === 401) link?.unauthorized()
    else link?.reachable()
    let body: unknown
    try {
      body = await res.json()
    } catch {
      throw new ApiError(res.status, `The server answered ${res.status} without JSON.`)
    }
    if (!isReply(body)) throw new ApiError(res.status, 'The server answered in an unknown format.')
    if (!body.ok) {
      if (res.status === 401)
        throw new ApiError(
          401,
          'Not signed in: open the newest link `tokenwatch serve` printed in its terminal (each link works once; a restarted server needs a new one).',
        )
      throw new ApiError(res.status, body.error)
    }
    // The server is ours and validated the call; its result has the contract's shape.
    return body.result
  }

  const listeners = new Set<(e: ChangeEvent) => void>()
  let source: EventSource | null = null
  // The server answers again (seen by a probe or a call): reopen a stream that gave up and refetch.
  link?.onRevive(() => {
    if (listeners.size === 0) return
    if (source === null || source.readyState === EventSource.CLOSED) {
      source?.close()
      openStream()
    }
    for (const l of listeners) l({ at: Date.now() })
  })

  function openStream(): void {
    const q = token === null ? '' : `?token=${encodeURIComponent(token)}`
    const es = new EventSource(`${prefix}events${q}`)
    source = es
    let dropped = false
    es.addEventListener('error', () => {
      dropped = true
      // Retrying (CONNECTING) or given up (CLOSED, e.g. a 401 after a restart): the link probes and says which.
      link?.unreachable()
    })
    es.addEventListener('open', () => {
      link?.reachable()
      // EventSource reconnects by itself; changes made while it was away were never sent.
      if (dropped) for (const l of listeners) l({ at: Date.now() })
      dropped = false
    })
    source.addEventListener('change', (msg) => {
      let e: ChangeEvent
      try {
        e = JSON.parse((msg as MessageEvent<string>).data) as ChangeEvent
      } catch {
        return
      }
      for (const l of listeners) l(e)
    })
  }

  return {
    ...contractMethods(post),
    onChange(listener) {
      listeners.add(listener)
      if (source === null) openStream()
      return () => {
        listeners.delete(listener)
        if (listeners.size === 0 && source !== null) {
          source.close()
          source = null
        }
      }
    },
  }
}

/** One cheap authorised question to the server at `base`: does it answer, and does it know us? */
export async function probeServer(token: string | null, base = ''): Promise<ProbeResult> {
  try {
    const res = await fetch(`${base}/api/getSettings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token === null ? {} : { [TOKEN_HEADER]: token }) },
      body: '{}',
    })
    return res.status === 401 ? 'unauthorized' : res.ok ? 'ok' : 'down'
  } catch {
    return 'down'
  }
}
