import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import Database from 'better-sqlite3'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

/** The built CLI (npm test builds before running the suite). */
export const CLI = resolve(__dirname, '..', '..', 'bin', 'tokenwatch.js')
const BUNDLE = resolve(__dirname, '..', '..', 'out', 'cli', 'tokenwatch.js')

export function requireBuild(): void {
  if (!existsSync(BUNDLE)) throw new Error('out/cli/tokenwatch.js is missing: run `npm run build` first')
}

/** Environment for a sandboxed run: its own data dir, log roots and home. */
export function cliEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    TZ: 'UTC',
    TOKENWATCH_HOME: join(dir, 'home'),
    CLAUDE_CONFIG_DIR: join(dir, 'claude'),
    CODEX_HOME: join(dir, 'codex'),
    ...extra,
  }
}

/** Runs the CLI to completion. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', timeout: 30_000 })
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr }
}

/** The totals of `tokenwatch report --json`, as the bucket sums and request count. */
export interface ReportTotals {
  input: number
  output: number
  cacheRead: number
  cacheWrite: number
  requests: number
}

export function reportTotals(env: NodeJS.ProcessEnv): ReportTotals {
  const t = JSON.parse(runCli(['report', '--json', '--group-by', 'source'], env).stdout).totals as ReportTotals
  return { input: t.input, output: t.output, cacheRead: t.cacheRead, cacheWrite: t.cacheWrite, requests: t.requests }
}

/** Events committed to the store at `dbPath` so far (0 before the first commit creates it). */
export function storedEvents(dbPath: string): number {
  if (!existsSync(dbPath)) return 0
  try {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true })
    try {
      return (db.prepare('SELECT count(*) AS n FROM usage_events').get() as { n: number }).n
    } finally {
      db.close()
    }
  } catch {
    // Created but not yet migrated, or mid-checkpoint: nothing committed to count yet.
    return 0
  }
}

/** A running `tokenwatch serve`, with its printed addresses. */
export interface Served {
  child: ChildProcess
  out: () => string
  url: string
  ingestUrl: string
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

/** Starts `tokenwatch serve` and waits until its backfill is done. */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, opts: { defaultOtlp?: boolean } = {}): Promise<Served> {
  // Parallel test files must not race for the machine's OTLP port 4318: only tests that ask for it
  // (a port, or the default: 4318, else the settings' port) get a receiver.
  const otlp = args.includes('--otlp-port') || opts.defaultOtlp ? [] : ['--no-otlp']
  const child = spawn(process.execPath, [CLI, 'serve', ...otlp, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const end = Date.now() + 20_000
  while (!/^(watching|ready) /m.test(out)) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`serve did not start:\n${out}\n${err}`)
    await new Promise((r) => setTimeout(r, 25))
  }
  const url = /^dashboard\s+(\S+)/m.exec(out)?.[1] ?? ''
  const ingestUrl = /^ingest\s+(\S+)/m.exec(out)?.[1] ?? ''
  return {
    child,
    out: () => out + err,
    url,
    ingestUrl,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal)
      return exited
    },
  }
}

/**
 * Opens a printed one-time dashboard link as a browser would: returns the session cookie it set
 * (for a `cookie` header) and the server's origin. A program could also send the token header,
 * but `serve` prints no token.
 */
export async function signIn(link: string): Promise<{ cookie: string; origin: string }> {
  const res = await fetch(link, { redirect: 'manual' })
  if (res.status !== 303) throw new Error(`signing in with ${link}: ${res.status}`)
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  return { cookie, origin: new URL(link).origin }
}
