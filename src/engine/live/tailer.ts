import { existsSync, readdirSync } from 'node:fs'
import { basename, join, sep } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { LogSource } from '../sources/types'
import { isFlatRoot } from '../sources/walk'

/** chokidar emits at most one `change` per file in this window and drops the rest (index.js `_emit`). */
const CHOKIDAR_CHANGE_THROTTLE_MS = 50

/** Whether `path` lies inside the folder `root`: a prefix that ends at a separator, so /x/projects2 is not in /x/projects. */
export function isInside(root: string, path: string): boolean {
  if (path.length <= root.length || !path.startsWith(root)) return false
  const next = path[root.length]
  return next === sep || next === '/' || root.endsWith(sep) || root.endsWith('/')
}

/** A changed log file, with the source and root it belongs to. */
export interface ChangedFile {
  source: LogSource
  root: string
  path: string
}

export interface TailerOptions {
  sources: LogSource[]
  /** Called with the files that changed, at most once per `debounceMs`. */
  onChange: (files: ChangedFile[]) => void
  /** Called when a root that did not exist appears (it may already hold files). */
  onRootAppeared: () => void
  debounceMs?: number
  /** How often to look for roots that do not exist yet (a stat per missing root). */
  rootCheckMs?: number
}

/**
 * Watches every source root with the OS's file events (inotify, FSEvents, ReadDirectoryChangesW
 * via chokidar; no polling of files): new files and folders, appends, rewrites. Only folders are
 * watched (and roots that are files themselves): a folder's watch reports every file created,
 * written or replaced in it, so a file costs no watch and no watcher state of its own, and memory
 * stays bounded by the folders (100,000 session files took ~1 GB with a watch per file;
 * docs/BENCHMARKS.md, watch-memory). Roots that do
 * not exist yet are checked for now and then and watched once they appear; a root that is deleted
 * is dropped (its OS watch dies with it) and watched again once it is back.
 */
export class Tailer {
  private watcher: FSWatcher | undefined
  private readonly pending = new Map<string, ChangedFile>()
  private timer: NodeJS.Timeout | undefined
  private rootTimer: NodeJS.Timeout | undefined
  private readonly watchedRoots = new Set<string>()
  /** Root checks left that look at every file again after a root appeared (see addExistingRoots). */
  private settling = 0
  private readonly owners = new Map<string, { source: LogSource; root: string }>()
  private readonly rechecks = new Map<string, NodeJS.Timeout>()

  constructor(private readonly opts: TailerOptions) {}

  /** Starts watching; resolves once the initial directory walk is done. */
  async start(): Promise<void> {
    this.watcher = watch([], {
      ignoreInitial: true,
      persistent: true,
      followSymlinks: false,
      // Files are seen through their folder's watch (raw events), never watched one by one; a
      // root that is a file (a database) is watched itself. Folders must pass so new subfolders
      // are walked.
      ignored: (path, stats) =>
        (stats?.isFile() === true && !this.owners.has(path)) || (stats?.isDirectory() === true && this.inFlatRoot(path)),
    })
    this.watcher.on('add', (p) => this.touch(p))
    this.watcher.on('change', (p) => this.touch(p))
    this.watcher.on('raw', (_event, evPath, details) => this.raw(evPath, details))
    // A folder made after the start may hold files written before its watch began.
    this.watcher.on('addDir', (p) => this.touchFilesIn(p))
    this.watcher.on('unlinkDir', (p) => this.dropRoot(p))
    this.watcher.on('error', () => {
      /* a vanished or unreadable folder: the next scan reports unreadable files */
    })
    for (const s of this.opts.sources) for (const r of s.roots()) this.owners.set(r, { source: s, root: r })
    const ready = new Promise<void>((resolve) => this.watcher?.once('ready', () => resolve()))
    this.addExistingRoots()
    // chokidar says 'ready' after its first walk; with no root to walk there is nothing to wait for.
    if (this.watchedRoots.size > 0) await ready
    this.rootTimer = setInterval(() => this.addExistingRoots(), this.opts.rootCheckMs ?? 5000)
    this.rootTimer.unref()
  }

  /** Stops watching; pending changes are delivered first. */
  async stop(): Promise<void> {
    if (this.rootTimer) clearInterval(this.rootTimer)
    for (const [path, t] of this.rechecks) {
      clearTimeout(t)
      const owner = this.ownerOf(path)
      if (owner) this.pending.set(path, owner)
    }
    this.rechecks.clear()
    this.deliver()
    await this.watcher?.close()
    this.watcher = undefined
  }

  private addExistingRoots(): void {
    // chokidar watches an added root only once its walk of it ends: lines written meanwhile raise no
    // event. So a root that appeared gets its files looked at again on the next two checks too.
    if (this.settling > 0) {
      this.settling--
      this.opts.onRootAppeared()
    }
    // A root removed without an unlinkDir (e.g. its parent went first) is dropped here.
    for (const root of [...this.watchedRoots]) if (!existsSync(root)) this.dropRoot(root)
    for (const root of this.owners.keys()) {
      if (this.watchedRoots.has(root) || !existsSync(root)) continue
      this.watchedRoots.add(root)
      this.watcher?.add(root)
      // A root that appears late may already hold files: report them as changed.
      if (this.rootTimer) {
        this.opts.onRootAppeared()
        this.settling = 2
      }
    }
  }

  /** Forgets a deleted root, so the root check watches it again when it is re-created. */
  private dropRoot(path: string): void {
    if (!this.watchedRoots.delete(path)) return
    this.watcher?.unwatch(path)
  }

  /**
   * Whether `path` is a folder below a root whose files lie at the top (`flat`): the innermost root
   * holding it decides, so a walked root inside a flat one (Copilot's session-state/ inside
   * ~/.copilot) is walked; a root itself is never ignored.
   */
  private inFlatRoot(path: string): boolean {
    if (this.owners.has(path)) return false
    let best: { source: LogSource; root: string } | undefined
    for (const [root, o] of this.owners) if (isInside(root, path) && (!best || root.length > best.root.length)) best = o
    return best !== undefined && isFlatRoot(best.source, best.root)
  }

  /** The source and root a log file belongs to: the innermost root it lies in. */
  private ownerOf(path: string): ChangedFile | undefined {
    let best: { source: LogSource; root: string } | undefined
    let file = path
    for (const [root, o] of this.owners) {
      if (!isInside(root, path) || (best && root.length <= best.root.length)) continue
      // A database's -wal file changing stands for the database.
      const logFile = o.source.isLogFile(path) ? path : (o.source.logFileOf?.(path) ?? null)
      if (logFile === null) continue
      best = o
      file = logFile
    }
    return best && { ...best, path: file }
  }

  /**
   * A raw event of a folder's watch (or a file root's): the file it names changed, appeared or
   * was replaced. Every one is looked at (a database's WAL too: reading a database touches its
   * WAL's atime, and chokidar's own checks would drop a commit landing just after); an unchanged
   * file costs the engine one stat.
   */
  private raw(evPath: unknown, details: unknown): void {
    const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath
    if (typeof watched !== 'string' || typeof evPath !== 'string' || evPath === '') return
    const path = basename(watched) === evPath ? watched : join(watched, evPath)
    if (this.ownerOf(path)) this.touch(path)
  }

  /** Reports the log files under a folder that appeared (bounded walk, links not followed). */
  private touchFilesIn(dir: string, depth = 0): void {
    if (depth > 8) return
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return // gone again, or unreadable: the next scan reports it
    }
    for (const e of entries) {
      const p = join(dir, e.name)
      if (e.isDirectory()) {
        if (!this.inFlatRoot(p)) this.touchFilesIn(p, depth + 1)
      } else if (e.isFile() && this.ownerOf(p)) this.touch(p)
    }
  }

  private touch(path: string): void {
    const owner = this.ownerOf(path)
    if (!owner) return
    this.queue(owner)
    path = owner.path
    // chokidar drops (not delays) a file's change events for 50 ms after each one it emits, so the
    // last lines of a burst would wait for the next write: look once more after its window closes.
    clearTimeout(this.rechecks.get(path))
    const t = setTimeout(() => {
      this.rechecks.delete(path)
      this.queue(owner)
    }, CHOKIDAR_CHANGE_THROTTLE_MS + 15)
    t.unref()
    this.rechecks.set(path, t)
  }

  private queue(file: ChangedFile): void {
    this.pending.set(file.path, file)
    if (!this.timer) this.timer = setTimeout(() => this.deliver(), this.opts.debounceMs ?? 20)
  }

  private deliver(): void {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    if (this.pending.size === 0) return
    const files = [...this.pending.values()]
    this.pending.clear()
    this.opts.onChange(files)
  }
}
