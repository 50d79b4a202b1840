import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import type { LogSource } from './types'

/** Whether a source's files lie directly in `root` (its `flat`, for every root or per root). */
export function isFlatRoot(source: Pick<LogSource, 'flat'>, root: string): boolean {
  return typeof source.flat === 'function' ? source.flat(root) : source.flat === true
}

/**
 * Lists the files under `root` (recursively) that `accept` takes. Follows no symlinked folders,
 * so a link loop cannot trap it; unreadable folders are reported through `onError` and skipped.
 * `flat`: only the files directly in `root`.
 */
export function walkFiles(
  root: string,
  accept: (path: string) => boolean,
  onError: (path: string, err: Error) => void,
  flat = false,
): string[] {
  const out: string[] = []
  const stack = [root]
  while (stack.length > 0) {
    const dir = stack.pop() as string
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || dir !== root) onError(dir, err as Error)
      continue
    }
    for (const e of entries) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (!flat) stack.push(p)
      } else if ((e.isFile() || e.isSymbolicLink()) && accept(p)) out.push(p)
    }
  }
  return out.sort()
}
