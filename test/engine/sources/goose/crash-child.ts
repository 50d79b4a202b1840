/**
 * Child process for the Goose crash test: scans one sessions.db into the given store with small
 * commits, printing one line per commit so the parent can SIGKILL it mid-scan.
 */
import { openStore } from '../../../../src/engine/store/open-store'
import { createLogSources } from '../../../../src/engine/sources/registry'
import { scanLogs } from '../../../../src/engine/ingest/scan'

const [storePath, root] = process.argv.slice(2) as [string, string]
const store = openStore(storePath)
const sources = createLogSources({ env: { GOOSE_PATH_ROOT: root }, home: '/nonexistent' }).filter((s) => s.id === 'goose')
void scanLogs(store, sources, () => null, {
  userId: 'tester',
  commitBytes: 1,
  onCommit: () => process.stdout.write('commit\n'),
}).then(() => {
  store.close()
  process.stdout.write('done\n')
})
