/** A bare ingest process (store, writer, socket, HTTP): for the socket bench and crash tests. */
import { userInfo } from 'node:os'
import { createEventWriter } from '../ingest/writer'
import { dataPaths } from '../paths'
import { openStore } from '../store/open-store'
import { startIngestHttp } from '../web/http-ingest'
import { startSocketServer } from '../push/socket-server'

/** What the process prints as its first stdout line once it listens. */
export interface IngestProcessReady {
  ready: true
  pid: number
  socket: string
  http: string
  db: string
}

/**
 * Serves `dir` (as TOKENWATCH_HOME) with no log sources and no prices, so a measurement sees
 * only the push path; prints one JSON ready line; flushes and exits on SIGTERM/SIGINT.
 */
export async function startIngestProcess(dir: string): Promise<void> {
  const user = userInfo().username
  const paths = dataPaths(dir, process.platform, user)
  const store = openStore(paths.db)
  const writer = createEventWriter(store, () => null)
  const socket = await startSocketServer({ path: paths.socket, writer, userId: user })
  const http = await startIngestHttp({ writer, userId: user })
  const ready: IngestProcessReady = { ready: true, pid: process.pid, socket: socket.path, http: http.url, db: paths.db }
  process.stdout.write(`${JSON.stringify(ready)}\n`)
  const stop = async (): Promise<void> => {
    await socket.close()
    await http.close()
    await writer.flush()
    store.close()
    process.exit(0)
  }
  process.once('SIGTERM', () => void stop())
  process.once('SIGINT', () => void stop())
}
