import { afterEach, describe, expect, it, vi } from 'vitest'
import { progressBar } from '../../src/cli/progress'

/** A stream that records what is written; `isTTY` as a terminal (or a pipe) would say. */
function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; out: string[] } {
  const out: string[] = []
  const stream = { isTTY, write: (s: string) => out.push(s) > 0 } as unknown as NodeJS.WriteStream
  return { stream, out }
}

const MiB = 1024 * 1024

afterEach(() => {
  vi.useRealTimers()
})

describe('progress bar', () => {
  it('on a terminal: draws one line in place, at most every 100 ms, and clears it when done', () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(10_000)
    const { stream, out } = fakeStream(true)
    const bar = progressBar(stream)
    bar.update({ filesDone: 1, filesTotal: 4, bytesDone: 3 * MiB, bytesTotal: 12 * MiB })
    expect(out).toEqual([`\r[${'#'.repeat(8)}${'-'.repeat(22)}]  25%  1/4 files  3.0/12.0 MiB`])
    // Within 100 ms of the last draw: not redrawn (a long backfill calls this after every commit).
    vi.setSystemTime(10_050)
    bar.update({ filesDone: 2, filesTotal: 4, bytesDone: 6 * MiB, bytesTotal: 12 * MiB })
    expect(out).toHaveLength(1)
    vi.setSystemTime(10_150)
    bar.update({ filesDone: 4, filesTotal: 4, bytesDone: 12 * MiB, bytesTotal: 12 * MiB })
    expect(out[1]).toBe(`\r[${'#'.repeat(30)}] 100%  4/4 files  12.0/12.0 MiB`)
    bar.done()
    expect(out[2]).toBe('\r\x1b[K')
    expect(out).toHaveLength(3)
  })

  it('nothing to read (0 bytes) shows as complete, not as NaN', () => {
    const { stream, out } = fakeStream(true)
    progressBar(stream).update({ filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 })
    expect(out).toEqual([`\r[${'#'.repeat(30)}] 100%  0/0 files  0.0/0.0 MiB`])
  })

  it('not a terminal (a pipe, a log file): writes nothing at all, not even the clear', () => {
    for (const isTTY of [false, undefined]) {
      const { stream, out } = fakeStream(isTTY as boolean)
      const bar = progressBar(stream)
      bar.update({ filesDone: 1, filesTotal: 2, bytesDone: MiB, bytesTotal: 2 * MiB })
      bar.done()
      expect(out).toEqual([])
    }
  })
})
