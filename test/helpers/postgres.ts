import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

/**
 * A real PostgreSQL for tests: Debian's `postgresql` binaries, a cluster initdb'd into a temp dir
 * as a non-root user (the package's `postgres` user when the tests run as root), on a free port.
 * On a fresh machine where root and apt-get exist, the package is installed first.
 */

/** Where Debian puts the server binaries (the newest major if several). */
export function postgresBin(): string | null {
  const root = '/usr/lib/postgresql'
  if (!existsSync(root)) return null
  const majors = readdirSync(root)
    .filter((d) => existsSync(join(root, d, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a))
  return majors[0] ? join(root, majors[0], 'bin') : null
}

/** Finds the binaries, installing the package when they are missing and this process may. */
export function ensurePostgres(): string {
  let bin = postgresBin()
  if (bin) return bin
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
    execFileSync('apt-get', ['update', '-q'], { stdio: 'ignore', env })
    execFileSync('apt-get', ['install', '-y', '-q', 'postgresql'], { stdio: 'ignore', env })
    bin = postgresBin()
  }
  if (!bin) throw new Error('PostgreSQL server binaries not found: apt-get install postgresql (Debian) to run these tests')
  return bin
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      s.close(() => (a && typeof a === 'object' ? done(a.port) : fail(new Error('no port'))))
    })
  })
}

export interface TestPostgres {
  /** postgres://tw@127.0.0.1:PORT/tw */
  url: string
  port: number
  /** Stops the server (fast shutdown) and waits for it to exit. */
  stop(): Promise<void>
  /** Starts it again on the same port and data. */
  start(): Promise<void>
  /** Stops it and removes the cluster. */
  destroy(): Promise<void>
  /** A query against the team database (a fresh connection each time). */
  query<T extends pg.QueryResultRow = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>
}

/** Runs a server binary as the cluster's owner: `postgres` when root, else this user. */
function asOwner(bin: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', bin, ...args]] : [bin, args]
}

/** Creates a cluster with a `tw` superuser and database `tw`, and starts it. */
export async function startPostgres(): Promise<TestPostgres> {
  const bin = ensurePostgres()
  const dir = mkdtempSync(join(tmpdir(), 'tw-pg-'))
  if (process.getuid?.() === 0) {
    const owner = Number(execFileSync('id', ['-u', 'postgres']).toString().trim())
    const group = Number(execFileSync('id', ['-g', 'postgres']).toString().trim())
    chownSync(dir, owner, group)
  }
  const data = join(dir, 'data')
  const [cmd, args] = asOwner(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'tw', '--no-sync', '-E', 'UTF8'])
  execFileSync(cmd, args, { stdio: 'ignore' })
  const port = await freePort()
  const url = `postgres://tw@127.0.0.1:${port}/tw`
  let proc: ChildProcess | null = null
  const start = async () => {
    const [c, a] = asOwner(join(bin, 'postgres'), [
      '-D',
      data,
      '-p',
      String(port),
      '-k',
      dir,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'max_connections=40',
    ])
    proc = spawn(c, a, { stdio: 'ignore' })
    const deadline = Date.now() + 30_000
    for (;;) {
      const client = new pg.Client({ connectionString: `postgres://tw@127.0.0.1:${port}/postgres` })
      client.on('error', () => undefined)
      try {
        await client.connect()
        const r = await client.query("SELECT 1 FROM pg_database WHERE datname = 'tw'")
        if (r.rowCount === 0) await client.query('CREATE DATABASE tw')
        await client.end()
        return
      } catch (err) {
        await client.end().catch(() => undefined)
        if (Date.now() > deadline) throw new Error(`postgres did not start: ${(err as Error).message}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
  const stop = async () => {
    const p = proc
    proc = null
    if (!p || p.exitCode !== null) return
    const exited = new Promise((r) => p.once('exit', r))
    // SIGINT is PostgreSQL's fast shutdown: open sessions are cut off, as a server restart does.
    const [c, a] = asOwner(join(bin, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'])
    try {
      execFileSync(c, a, { stdio: 'ignore' })
    } catch {
      p.kill('SIGKILL')
    }
    await exited
  }
  await start()
  return {
    url,
    port,
    start,
    stop,
    destroy: async () => {
      await stop()
      rmSync(dir, { recursive: true, force: true })
    },
    query: async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []) => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        return (await client.query<T>(sql, params)).rows
      } finally {
        await client.end()
      }
    },
  }
}
