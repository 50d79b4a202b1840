import { openContext } from '../engine/context'
import { nativeScanStatus } from '../engine/ingest/native-scan'
import { scanLogs } from '../engine/ingest/scan'
import { unpricedModels } from '../engine/query/status'
import { parseOptions } from './args'
import { progressBar } from './progress'

/** `tokenwatch scan`: ingests every source once, then exits. Machine output on stdout only. */
export async function runScan(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, { db: { type: 'string' }, user: { type: 'string' }, json: { type: 'boolean' } })
  const ctx = openContext({ env, ...(o.db ? { dbPath: o.db } : {}), ...(o.user ? { userId: o.user } : {}) })
  try {
    const bar = progressBar()
    const t0 = performance.now()
    const s = await scanLogs(ctx.store, ctx.sources, ctx.cost, {
      userId: ctx.userId,
      onProgress: (p) => bar.update(p),
      ...(ctx.commitBytes ? { commitBytes: ctx.commitBytes } : {}),
      ...(ctx.parseWorkers !== undefined ? { workers: ctx.parseWorkers } : {}),
    })
    bar.done()
    const ms = Math.round(performance.now() - t0)
    const unpriced = unpricedModels(ctx.store, ctx.prices)
    // The store is closed before the figures are printed: closing checkpoints the WAL into the
    // database file, the last step of a durable backfill, and its time is the commit's.
    const t1 = performance.now()
    ctx.close()
    const closeMs = performance.now() - t1
    const stages = { ...s.stages, commitMs: s.stages.commitMs + closeMs, closeMs }
    const r1 = (x: number): number => Math.round(x * 10) / 10
    const out = {
      files: s.files,
      filesRead: s.filesRead,
      bytes: s.bytes,
      lines: s.lines,
      events: s.events,
      inserted: s.inserted,
      updated: s.updated,
      duplicates: s.duplicates,
      skipped: s.skipped,
      skipReasons: s.skipReasons,
      errors: s.errors,
      unpricedModels: unpriced,
      ms,
      db: ctx.store.path,
      stages: Object.fromEntries(Object.entries(stages).map(([k, v]) => [k, r1(v)])),
      // Which line scanner read the logs: the native addon (native/scan) or the JS path, and why.
      ...nativeScanStatus(),
    }
    for (const e of s.errors) process.stderr.write(`warning: could not read ${e.path}: ${e.error}\n`)
    if (o.json) {
      process.stdout.write(JSON.stringify(out) + '\n')
    } else {
      const reasons = Object.entries(s.skipReasons)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')
      process.stdout.write(
        `files      ${s.files} (${s.filesRead} read, ${(s.bytes / 1048576).toFixed(1)} MiB in ${ms} ms)\n` +
          `lines      ${s.lines}\n` +
          `events     ${s.events} (${s.inserted} new, ${s.duplicates} duplicates, ${s.updated} corrected)\n` +
          `skipped    ${s.skipped}${reasons ? ` (${reasons})` : ''}\n` +
          `unpriced   ${unpriced.length ? unpriced.join(', ') : 'none'}\n` +
          `store      ${ctx.store.path}\n`,
      )
    }
    return 0
  } finally {
    ctx.close()
  }
}
