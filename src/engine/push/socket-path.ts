/** Claims the socket path: a 0700 dir, mode 0600 before it is visible, stale sockets replaced. */
import { chmodSync, linkSync, lstatSync, mkdirSync, mkdtempSync, realpathSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs'
import { connect, type Server } from 'node:net'
import { dirname, join } from 'node:path'

/** Another Token Watch already serves this socket. */
export class AlreadyRunningError extends Error {
  constructor(readonly socketPath: string) {
    super(`Token Watch is already running (socket ${socketPath} answers); stop that instance first`)
    this.name = 'AlreadyRunningError'
  }
}

/** sun_path holds 104 bytes on macOS (108 on Linux), NUL included. */
export const MAX_SOCKET_PATH_BYTES = 103

/** True for a Windows named pipe path (`\\.\pipe\name`). */
export function isPipePath(p: string): boolean {
  return /^\\\\[.?]\\pipe\\/i.test(p)
}

function code(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | null)?.code
}

/**
 * Makes `dir` a directory only the user can enter: created 0700 when missing; one the user owns
 * with a looser mode (e.g. Electron's 0755 userData, or a shared TOKENWATCH_HOME) is tightened to
 * 0700; one another user owns is refused, since they could swap the socket or read the store.
 */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const uid = process.getuid?.()
  // Windows: no POSIX modes; the named pipe and the user's profile folder carry the ACLs.
  if (uid === undefined) return
  // A data dir reached through a symlink is judged by where the link leads, and by the folder
  // the link sits in: if others may write there, they may swap the link for one of their own.
  const link = lstatSync(dir)
  if (link.isSymbolicLink()) {
    const parent = statSync(dirname(dir))
    if (parent.uid !== uid && (parent.mode & 0o022) !== 0) {
      throw new Error(
        `${dir} is a symlink in ${dirname(dir)}, a folder of another user (uid ${parent.uid}) that others may write to; ` +
          'refusing it — set TOKENWATCH_HOME to the real folder',
      )
    }
  }
  const real = realpathSync(dir)
  const st = statSync(real)
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`)
  if (st.uid !== uid) {
    throw new Error(
      `${dir} belongs to another user (uid ${st.uid}); refusing to keep Token Watch's socket and store there — set TOKENWATCH_HOME to a folder of your own`,
    )
  }
  if ((st.mode & 0o077) !== 0) chmodSync(real, 0o700)
}

/** Whether something accepts connections at `path`: 'answers', or 'stale' when nothing listens. */
export function probeSocket(path: string, timeoutMs = 1000): Promise<'answers' | 'stale'> {
  return new Promise((resolve, reject) => {
    const s = connect(path)
    // A listener too busy to accept within the timeout is still a listener.
    const timer = setTimeout(() => {
      s.destroy()
      resolve('answers')
    }, timeoutMs)
    s.once('connect', () => {
      clearTimeout(timer)
      s.destroy()
      resolve('answers')
    })
    s.once('error', (e) => {
      clearTimeout(timer)
      if (code(e) === 'ECONNREFUSED' || code(e) === 'ENOENT') resolve('stale')
      else reject(e)
    })
  })
}

/** Removes a socket left by a crash; throws if it is live or is not a socket at all. */
async function removeStale(path: string): Promise<void> {
  let st
  try {
    st = lstatSync(path)
  } catch (e) {
    if (code(e) === 'ENOENT') return
    throw e
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; move it away`)
  if ((await probeSocket(path)) === 'answers') throw new AlreadyRunningError(path)
  // Unlink only the socket we probed, not one a racing instance has just put there.
  try {
    if (lstatSync(path).ino === st.ino) unlinkSync(path)
  } catch (e) {
    if (code(e) !== 'ENOENT') throw e
  }
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

/**
 * Makes `server` listen at `path` and returns the socket's inode (0 for a named pipe).
 * On Unix it binds inside a fresh 0700 temp dir, sets 0600, then hard-links the socket into
 * place: the public path never exists with a looser mode (no umask window, even in a shared dir),
 * and link() fails if another instance got there first, turning a start-up race into a clean
 * AlreadyRunningError.
 */
export async function listenAt(server: Server, path: string): Promise<number> {
  if (isPipePath(path)) {
    try {
      await listen(server, path)
    } catch (e) {
      if (code(e) === 'EADDRINUSE') throw new AlreadyRunningError(path)
      throw e
    }
    return 0
  }
  const dir = dirname(path)
  // The temp name (`<dir>/.sock-XXXXXX/s`) is the longer one; both must fit in sun_path.
  const longest = Buffer.byteLength(join(dir, '.sock-XXXXXX', 's'))
  if (Math.max(longest, Buffer.byteLength(path)) > MAX_SOCKET_PATH_BYTES) {
    throw new Error(`socket path too long: ${path} (Unix sockets allow about 100 bytes); set TOKENWATCH_HOME to a shorter dir`)
  }
  preparePrivateDir(dir)
  await removeStale(path)
  const tmpDir = mkdtempSync(join(dir, '.sock-'))
  const tmp = join(tmpDir, 's')
  try {
    await listen(server, tmp)
    chmodSync(tmp, 0o600)
    await linkIntoPlace(tmp, path)
    return lstatSync(path).ino
  } catch (e) {
    if (server.listening) await new Promise<void>((done) => server.close(() => done()))
    throw e
  } finally {
    rmSync(tmpDir, { recursive: true, force: true })
  }
}

async function linkIntoPlace(tmp: string, path: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      linkSync(tmp, path)
      return
    } catch (e) {
      if (code(e) === 'EEXIST' && attempt < 2) {
        await removeStale(path)
        continue
      }
      if (code(e) === 'EEXIST') throw new AlreadyRunningError(path)
      // File systems without hard links: rename is still atomic, just not race-proof.
      await removeStale(path)
      renameSync(tmp, path)
      return
    }
  }
}

/** Removes the socket path if it is still the one this server created. */
export function releasePath(path: string, ino: number): void {
  if (ino === 0) return
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path)
  } catch {
    // Gone already: nothing to release.
  }
}
