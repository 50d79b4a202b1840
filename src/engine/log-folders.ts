/** Whether a log folder a user adds can be watched: absolute, there, a folder, not yet listed. */
import { statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import type { LogFolderKind, Settings } from '../shared/contract'
import { LOG_FOLDER_KINDS } from '../shared/contract'

/** Why `path` cannot be added to `list`, or undefined when it can. */
export function folderProblem(path: string, list: readonly string[]): string | undefined {
  if (!isAbsolute(path)) return `${path} is not an absolute path (give the whole path, e.g. /home/me/.codex)`
  let isDir: boolean
  try {
    isDir = statSync(path).isDirectory()
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${path} does not exist`
    return `${path} cannot be read: ${(err as Error).message}`
  }
  if (!isDir) return `${path} is not a folder`
  if (list.some((p) => resolve(p) === resolve(path))) return `${path} is already watched`
  return undefined
}

/**
 * Checks the folders a settings patch adds (entries not in the current lists); a folder already
 * listed stays, even if it is gone now (a drive not mounted). Returns the first problem, named
 * `logFolders.<kind>: …`, or undefined.
 */
export function addedFolderProblem(patch: Partial<Settings>, current: Settings['logFolders']): string | undefined {
  if (!patch.logFolders) return undefined
  for (const kind of LOG_FOLDER_KINDS) {
    const next = patch.logFolders[kind as LogFolderKind] as readonly string[] | undefined
    if (!next) continue
    const kept: string[] = []
    for (const p of next) {
      if (!current[kind].includes(p)) {
        const problem = folderProblem(p, kept)
        if (problem !== undefined) return `logFolders.${kind}: ${problem}`
      } else if (kept.includes(p)) return `logFolders.${kind}: ${p} is already watched`
      kept.push(p)
    }
  }
  return undefined
}
