/**
 * Child process for the crash test: scans the given roots into the given store with small
 * commits, printing one line per commit so the parent can SIGKILL it mid-scan.
 */
import { openStore } from '../../../src/engine/store/open-store'
import { createLogSources } from '../../../src/engine/sources/registry'
import { scanLogs } from '../../../src/engine/ingest/scan'
import { crashCoster } from './crash-coster'

const [dbPath, claudeDir, codexHome] = process.argv.slice(2) as [string, string, string]
const store = openStore(dbPath)
const sources = createLogSources({ claudeConfigDirs: [claudeDir], codexHomes: [codexHome] })
void scanLogs(store, sources, crashCoster, {
  userId: 'tester',
  commitBytes: 32 * 1024,
  onCommit: () => process.stdout.write('commit\n'),
}).then(() => {
  store.close()
  process.stdout.write('done\n')
})
