/**
 * The parse worker's half alone, native scanner against the JS path (docs/BENCHMARKS.md, "the
 * native scanner"): every .jsonl file of a Claude Code tree through readIncrement in this one
 * process, CPU time per round, the two paths alternating. Not a suite: bundle and run by hand,
 *   npx esbuild bench/entries/reading-half.ts --bundle --platform=node --outfile=.bench/reading-half.js
 *   node .bench/reading-half.js .bench/trees/claude-g2-seed1-268435456 [rounds]
 */
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { readIncrement, type StoredFile } from '../../src/engine/ingest/read-increment'
import { nativeScan, useNativeScan } from '../../src/engine/ingest/native-scan'
import { claudeParser } from '../../src/engine/sources/claude-code/parser'

const root = process.argv[2]
if (!root) throw new Error('usage: reading-half.js TREE [rounds]')
const rounds = Number(process.argv[3] ?? 3)
if (!nativeScan()) throw new Error('the native scanner did not load (npm install builds it)')
const files: string[] = []
const walk = (d: string): void => {
  for (const e of readdirSync(d)) {
    const p = join(d, e)
    if (statSync(p).isDirectory()) walk(p)
    else if (p.endsWith('.jsonl')) files.push(p)
  }
}
walk(root)

for (let round = 0; round < rounds; round++) {
  for (const on of [true, false]) {
    useNativeScan(on)
    const c0 = process.cpuUsage()
    const t0 = performance.now()
    let events = 0
    let lines = 0
    const st = { readMs: 0, searchMs: 0, extractMs: 0 }
    for (const path of files) {
      let prev: StoredFile | undefined
      for (;;) {
        const inc = readIncrement(path, prev, claudeParser, { path, root, userId: 'u' })
        if (!inc) break
        events += inc.events.length
        lines += inc.checkpoint.lines
        if (inc.stages) {
          st.readMs += inc.stages.readMs
          st.searchMs += inc.stages.searchMs
          st.extractMs += inc.stages.extractMs
        }
        if (inc.done) break
        const c = inc.checkpoint
        prev = { offset: c.offset, size: c.size, mtimeMs: c.mtimeMs, ino: c.ino, fingerprint: c.fingerprint, state: c.state }
      }
    }
    const c = process.cpuUsage(c0)
    const ms = (x: number): string => x.toFixed(0).padStart(5)
    console.log(
      `${on ? 'native' : 'js    '} cpu ${ms((c.user + c.system) / 1000)} ms  wall ${ms(performance.now() - t0)} ms  ` +
        `read ${ms(st.readMs)}  search ${ms(st.searchMs)}  extract ${ms(st.extractMs)}  (${events} records, ${lines} lines)`,
    )
  }
}
useNativeScan(true)
