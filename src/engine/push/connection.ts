/** One socket client: NDJSON in, one reply per line out, in order, acknowledged after commit. */
import type { Socket } from 'node:net'
import type { EventWriter } from '../ingest/writer'
import type { UsageEvent } from '../../shared/usage'
import type { PendingBudget } from './budget'
import { decodeLine, type DecodeResult, type PushDefaults } from './decode-event'
import { createLineSplitter, type SplitItem } from './line-splitter'

export interface ConnectionOptions {
  writer: EventWriter
  defaults: PushDefaults
  maxLineBytes: number
  /** Bytes of input (or of replies, if more) not yet answered; above this the socket stops reading. */
  maxPendingBytes: number
  /** The same, summed over all connections. */
  budget: PendingBudget
  /** A connection silent (both ways) this long is closed. */
  idleMs: number
  now: () => number
}

/** A served connection, as the server sees it. */
export interface Connection {
  /** Stops reading, writes the replies still owed, then ends the connection. */
  shutdown(graceMs: number): Promise<void>
  /**
   * Since when (epoch ms) the connection has been idle: nothing unanswered, no partial line,
   * replies all written; undefined while it is not.
   */
  idleSince(): number | undefined
}

/** How a chunk's commit went: failed whole (`failure`), or with some events refused by a bound. */
interface Committed {
  failure: string | null
  refused: ReadonlyMap<string, string>
}

/** Renders one reply line. */
function reply(r: DecodeResult, c: Committed): string {
  const refused = r.ok ? c.refused.get(r.event.key) : undefined
  if (r.ok && c.failure === null && refused === undefined) return `{"ok":true,"id":${JSON.stringify(r.id)}}\n`
  const id = r.id === undefined ? '' : `"id":${JSON.stringify(r.id)},`
  const error = !r.ok ? r.error : c.failure !== null ? `not stored: ${c.failure}` : `not stored: ${refused ?? ''}`
  return `{"ok":false,${id}"error":${JSON.stringify(error)}}\n`
}

function render(results: DecodeResult[], c: Committed): string {
  let text = ''
  for (const r of results) text += reply(r, c)
  return text
}

const NOTHING_REFUSED: ReadonlyMap<string, string> = new Map()

/** Replies can outweigh their input (a chunk of `x\n` lines): account for whichever is larger. */
const REPLY_BYTES = 48

const INVALID_UTF8: DecodeResult = { ok: false, error: 'line: not valid UTF-8 (refused)', reason: 'invalid-utf8' }

const OVERSIZE = (limit: number): DecodeResult => ({
  ok: false,
  error: `line: longer than ${limit} bytes (refused)`,
  reason: 'line-too-long',
})

/**
 * Serves one client. Each chunk's lines are decoded at once and their events submitted together
 * (so they share a group commit with other clients), but replies wait on a per-connection chain:
 * a chunk's replies are written only after its commit and after every earlier chunk's replies.
 * Reading pauses while too much input awaits replies or while the client is not reading its
 * replies, so a slow or hostile client holds a bounded amount of memory.
 */
export function serveConnection(socket: Socket, opts: ConnectionOptions): Connection {
  const splitter = createLineSplitter(opts.maxLineBytes)
  let tail: Promise<void> = Promise.resolve()
  let pendingBytes = 0
  let writeBlocked = false
  let stopping = false
  let paused = false
  // Registered with the budget, to be woken when other connections' replies free it.
  let waiting = false
  let lastActive = Date.now()

  const flow = (): void => {
    const overBudget = opts.budget.mustWait(pendingBytes)
    const stop = stopping || writeBlocked || pendingBytes > opts.maxPendingBytes || overBudget
    if (overBudget && !waiting) {
      waiting = true
      opts.budget.wait(() => {
        waiting = false
        flow()
      })
    }
    if (stop && !paused) socket.pause()
    else if (!stop && paused) socket.resume()
    paused = stop
  }

  const write = (text: string): void => {
    if (text.length === 0 || socket.destroyed || !socket.writable) return
    if (!socket.write(text) && !writeBlocked) {
      writeBlocked = true
      socket.once('drain', () => {
        writeBlocked = false
        flow()
      })
    }
  }

  /** Decodes a chunk's lines, submits their events at once, and queues their replies in order. */
  const answer = (items: SplitItem[], inputBytes: number): void => {
    if (items.length === 0) return
    const now = opts.now()
    const results: DecodeResult[] = []
    const events: UsageEvent[] = []
    for (const item of items) {
      const r =
        item.kind === 'line'
          ? decodeLine(item.text, now, opts.defaults)
          : item.kind === 'oversize'
            ? OVERSIZE(opts.maxLineBytes)
            : INVALID_UTF8
      results.push(r)
      if (r.ok) events.push(r.event)
      else opts.writer.refusals.count(opts.defaults.source, r.reason)
    }
    // Submit now, not in the chain, so this chunk joins the next group commit.
    const committed: Promise<Committed> =
      events.length === 0
        ? Promise.resolve({ failure: null, refused: NOTHING_REFUSED })
        : opts.writer.submit(events).then(
            (refused) => ({ failure: null, refused }),
            (e: unknown) => ({ failure: e instanceof Error ? e.message : String(e), refused: NOTHING_REFUSED }),
          )
    const weight = Math.max(inputBytes, results.length * REPLY_BYTES)
    pendingBytes += weight
    opts.budget.take(weight)
    tail = tail.then(async () => {
      write(render(results, await committed))
      lastActive = Date.now()
      pendingBytes -= weight
      opts.budget.give(weight)
      flow()
    })
    flow()
  }

  socket.on('data', (chunk: Buffer) => {
    lastActive = Date.now()
    answer(splitter.push(chunk), chunk.length)
  })

  // allowHalfOpen: a client may end its side and still read the replies it is owed. A last
  // line without its newline is complete once the client says it has nothing more to send.
  socket.on('end', () => {
    const held = splitter.buffered
    answer(splitter.end(), held)
    void tail.then(() => socket.end())
  })
  socket.on('error', () => {
    // ECONNRESET and the like: the socket closes; its events committed or not, nothing to tell.
  })
  socket.setTimeout(opts.idleMs, () => socket.destroy())

  return {
    idleSince() {
      return pendingBytes === 0 && splitter.buffered === 0 && !writeBlocked && !stopping ? lastActive : undefined
    },
    async shutdown(graceMs) {
      stopping = true
      flow()
      await tail
      if (socket.destroyed) return
      await new Promise<void>((done) => {
        // A client that never reads could hold end() forever: give it a grace period.
        const timer = setTimeout(() => socket.destroy(), graceMs)
        socket.once('close', () => {
          clearTimeout(timer)
          done()
        })
        socket.end()
      })
    },
  }
}
