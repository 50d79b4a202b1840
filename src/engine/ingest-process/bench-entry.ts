/** Entry bundled by bench/suites/socket.mjs and the crash test: `node entry.cjs <data dir>`. */
import { startIngestProcess } from './ingest-process'

const dir = process.argv[2]
if (!dir) {
  process.stderr.write('usage: node bench-entry.cjs <data dir>\n')
  process.exit(2)
}
startIngestProcess(dir).catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
