import type { ScanProgress } from '../engine/ingest/scan'

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): { update(p: ScanProgress): void; done(): void } {
  const tty = stream.isTTY === true
  let last = 0
  let drawn = false
  return {
    update(p) {
      if (!tty || Date.now() - last < 100) return
      last = Date.now()
      const frac = p.bytesTotal > 0 ? Math.min(1, p.bytesDone / p.bytesTotal) : 1
      const width = 30
      const fill = Math.round(frac * width)
      const mib = (n: number): string => (n / 1048576).toFixed(1)
      stream.write(
        `\r[${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%  ` +
          `${p.filesDone}/${p.filesTotal} files  ${mib(p.bytesDone)}/${mib(p.bytesTotal)} MiB`,
      )
      drawn = true
    },
    done() {
      if (drawn) stream.write('\r\x1b[K')
    },
  }
}
