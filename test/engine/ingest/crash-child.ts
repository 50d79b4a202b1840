/**
 * Child process for the crash test: scans the given roots into the given store with small
 * commits, printing one line per commit so the parent can SIGKILL it mid-scan.
 */
import { openStore } from '../../../src/engine/store/open-store'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { BulkLoad } from '../../../src/engine/ingest/bulk-load'
import { crashCoster } from './crash-coster'

// A fourth argument: the parse-worker bundle, to scan with two workers. FAR_BEHIND=1: bulk mode whatever
// the ledger holds (as for a store far behind its logs: a resumed scan in bulk mode too).
const [dbPath, claudeDir, codexHome, workerScript] = process.argv.slice(2) as [string, string, string, string | undefined]
const store = openStore(dbPath)
const sources = createLogSources({ claudeConfigDirs: [claudeDir], codexHomes: [codexHome] })
// The scan runs in bulk mode exactly when the ledger is empty as it starts.
if (BulkLoad.begin(store)) process.stdout.write('bulk\n')
void scanLogs(store, sources, crashCoster, {
  userId: 'tester',
  commitBytes: 32 * 1024,
  onCommit: () => process.stdout.write('commit\n'),
  ...(workerScript ? { workers: 2, workerScript, workerMinBytes: 0 } : { workers: 0 }),
  ...(process.env.FAR_BEHIND === '1' ? { bulk: 'always' as const } : {}),
}).then((summary) => {
  store.close()
  // Whether the whole scan ran in bulk mode, empty ledger or far behind.
  if (summary.stages.bulk === 1) process.stdout.write('bulk-run\n')
  process.stdout.write('done\n')
})
