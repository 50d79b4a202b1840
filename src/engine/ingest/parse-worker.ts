/**
 * A parse worker's entry (bundled on its own as parse-worker.js next to the CLI and the Electron
 * main bundle): reads the files the scan hands it, from their saved offsets, and posts each
 * increment back (checkpoint plus packed events). It never touches the store: the main thread
 * owns the one writer and commits the increments in file order.
 */
import { parentPort } from 'node:worker_threads'
import { packEvents, packedTransfer, premerge } from './packed-events'
import type { ReadJob, WorkerReply } from './parse-pool'
import { readDocument } from './read-document'
import { readIncrement, type Increment, type StoredFile } from './read-increment'
import { workerReader } from './worker-readers'
import type { FileReader } from '../sources/types'

/** read-source.ts's switch without the database reader (and so without loading better-sqlite3 here). */
function readFile(job: ReadJob, reader: FileReader, prev: StoredFile | undefined): Increment | null {
  switch (reader.kind) {
    case 'append':
      return readIncrement(job.path, prev, reader.parser, job.ctx, job.maxBytes)
    case 'document':
      return readDocument(job.path, prev, reader.parser, job.ctx)
    case 'database':
      throw new Error('parse worker: databases are read on the main thread')
  }
}

function run(job: ReadJob, post: (r: WorkerReply, transfer?: ArrayBuffer[]) => void): void {
  const reader = workerReader(job.reader)
  let prev: StoredFile | undefined = job.stored
  try {
    for (;;) {
      const inc = readFile(job, reader, prev)
      if (!inc) break
      const p = premerge(inc.events)
      const events = packEvents(p.events)
      const reply: WorkerReply = {
        id: job.id,
        kind: 'increment',
        checkpoint: inc.checkpoint,
        events,
        done: inc.done,
        bytesRead: inc.bytesRead,
        premerged: p.merged,
        lastEventTs: p.lastEventTs,
      }
      if (inc.stages) reply.stages = inc.stages
      if (inc.supersede) reply.supersede = inc.supersede
      post(reply, packedTransfer(events))
      if (inc.done) return
      const c = inc.checkpoint
      prev = { offset: c.offset, size: c.size, mtimeMs: c.mtimeMs, ino: c.ino, fingerprint: c.fingerprint, state: c.state }
    }
    post({ id: job.id, kind: 'end' })
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    post({ id: job.id, kind: 'error', message: e.message, ...(e.code ? { code: e.code } : {}) })
  }
}

const port = parentPort
if (port) port.on('message', (job: ReadJob) => run(job, (r, transfer) => port.postMessage(r, transfer ?? [])))
