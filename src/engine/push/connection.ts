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
}

/** Renders one reply line. `failure` is set when the batch's commit failed. */
function reply(r: DecodeResult, failure: string | null): string {
  if (r.ok && failure === null) return `{"ok":true,"id":${JSON.stringify(r.id)}}\n`
  const id = r.id === undefined ? '' : `"id":${JSON.stringify(r.id)},`
  const error = r.ok ? `not stored: ${failure}` : r.error
  return `{"ok":false,${id}"error":${JSON.stringify(error)}}\n`
}

function render(results: DecodeResult[], failure: string | null): string {
  let text = ''
  for (const r of results) text += reply(r, failure)
  return text
}

/** Replies can outweigh their input (a chunk of `x\n` lines): account for whichever is larger. */
const REPLY_BYTES = 48

const INVALID_UTF8: DecodeResult = { ok: false, error: 'line: not valid UTF-8 (refused)' }

const OVERSIZE = (limit: number): DecodeResult => ({ ok: false, error: `line: longer than ${limit} bytes (refused)` })

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
      const r = item.kind === 'line' ? decodeLine(item.text, now, opts.defaults) : item.kind === 'oversize' ? OVERSIZE(opts.maxLineBytes) : INVALID_UTF8
      results.push(r)
      if (r.ok) events.push(r.event)
    }
    // Submit now, not in the chain, so this chunk joins the next group commit.
    const committed: Promise<string | null> =
      events.length === 0 ? Promise.resolve(null) : opts.writer.submit(events).then(() => null, (e: unknown) => (e instanceof Error ? e.message : String(e)))
    const weight = Math.max(inputBytes, results.length * REPLY_BYTES)
    pendingBytes += weight
    opts.budget.take(weight)
    tail = tail.then(async () => {
      write(render(results, await committed))
      pendingBytes -= weight
      opts.budget.give(weight)
      flow()
    })
    flow()
  }

  socket.on('data', (chunk: Buffer) => answer(splitter.push(chunk), chunk.length))

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
