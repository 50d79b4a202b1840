import { describe, expect, it } from 'vitest'
import { join } from 'node:path'
import { createEventWriter } from '../../../src/engine/ingest/writer'
import type { BatchResult } from '../../../src/engine/ingest/apply-batch'
import { openStore } from '../../../src/engine/store/open-store'
import { tempDir } from '../../helpers/temp'
import { event, expectAggregatesMatchLedger, ledgerTotals } from './support'

function setup(maxBatch?: number) {
  const store = openStore(join(tempDir(), 'tw.db'))
  const commits: BatchResult[] = []
  const writer = createEventWriter(store, (e) => e.output, { onCommit: (r) => commits.push(r), ...(maxBatch ? { maxBatch } : {}) })
  return { store, writer, commits }
}

describe('event writer (group commit for pushed events)', () => {
  it('many submitters in one turn share one commit; each promise resolves after it; duplicates count once', async () => {
    const { store, writer, commits } = setup()
    const a = writer.submit([event('ext:a:1', '2026-03-01T10:00:00Z', { source: 'socket', output: 3 })])
    const b = writer.submit([
      event('ext:a:1', '2026-03-01T10:00:00Z', { source: 'socket', output: 5 }),
      event('ext:a:2', '2026-03-01T10:20:00Z', { source: 'socket' }),
    ])
    expect(writer.queued).toBe(3)
    expect(ledgerTotals(store).requests).toBe(0) // nothing is durable before the promise resolves
    await Promise.all([a, b])
    expect(commits).toHaveLength(1)
    expect(commits[0]).toMatchObject({ inserted: 2, duplicates: 1 })
    expect(writer.queued).toBe(0)
    expect(ledgerTotals(store)).toMatchObject({ output: 10, requests: 2 })
    // The same ids sent again (a client retrying after a lost ack): nothing changes.
    await writer.submit([event('ext:a:1', '2026-03-01T10:00:00Z', { source: 'socket', output: 5 })])
    expect(ledgerTotals(store)).toMatchObject({ output: 10, requests: 2 })
    expectAggregatesMatchLedger(store)
  })

  it('commits at once when maxBatch events wait, and on flush', async () => {
    const { store, writer, commits } = setup(3)
    const p = writer.submit([event('x1', '2026-03-01T10:00:00Z'), event('x2', '2026-03-01T10:00:00Z'), event('x3', '2026-03-01T10:00:00Z')])
    expect(commits).toHaveLength(1) // synchronously, before the next turn
    await p
    void writer.submit([event('x4', '2026-03-01T10:00:00Z')])
    await writer.flush()
    expect(commits).toHaveLength(2)
    expect(ledgerTotals(store).requests).toBe(4)
  })

  it('a failed commit rejects every submitter of that turn and stores nothing of it', async () => {
    const store = openStore(join(tempDir(), 'tw.db'))
    const writer = createEventWriter(store, (e) => {
      if (e.key === 'poison') throw new Error('no price for you')
      return 1
    })
    const ok = writer.submit([event('fine', '2026-03-01T10:00:00Z')])
    const bad = writer.submit([event('poison', '2026-03-01T10:00:00Z')])
    await expect(ok).rejects.toThrow('no price for you')
    await expect(bad).rejects.toThrow('no price for you')
    expect(ledgerTotals(store).requests).toBe(0)
    await writer.submit([event('fine', '2026-03-01T10:00:00Z')])
    expect(ledgerTotals(store).requests).toBe(1)
  })
})
