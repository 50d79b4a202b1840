/**
 * The real `tokenwatch serve` (the built CLI bundle and dashboard) over log trees copied from
 * test/fixtures, for end-to-end tests: start it, read its printed address, run other CLI
 * commands against the same store, and stop it with SIGTERM.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { promisify } from 'node:util'

export const REPO = resolve(__dirname, '..', '..')
const BIN = join(REPO, 'bin', 'tokenwatch.js')
const FIXTURES = join(REPO, 'test', 'fixtures')
const execFileP = promisify(execFile)

/** Fails with a clear message when the app under test has not been built. */
export function requireBuild(): void {
  const missing = [join(REPO, 'out', 'cli', 'tokenwatch.js'), join(REPO, 'out', 'renderer', 'index.html')].filter((f) => !existsSync(f))
  if (missing.length > 0) {
    throw new Error(
      `The E2E tests run the built app and ${missing.map((f) => relative(REPO, f)).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing: run npm run build first`,
    )
  }
}

/**
 * Every Claude Code and Codex fixture whose totals test/fixtures/EXPECTED.md gives, laid out as
 * the agents write them (the same layouts as test/engine/fixtures-expected.test.ts). The four
 * spotter files are one project; the DERIVED transcript shares no message id with the others.
 */
export const FIXTURE_LAYOUT: Readonly<Record<string, string>> = {
  'claude/projects/spotter/short.jsonl': 'claude_real/spotter__short.jsonl',
  'claude/projects/spotter/tool_heavy.jsonl': 'claude_real/spotter__tool_heavy.jsonl',
  'claude/projects/spotter/4d5611e5-241a-462a-8d15-5122611a9569/subagents/agent-acompact-e1f845.jsonl':
    'claude_real/spotter__4d5611e5-241a-462a-8d15-5122611a9569_subagents_agent-acompact-e1f845.jsonl',
  'claude/projects/spotter/4d5611e5-241a-462a-8d15-5122611a9569.jsonl':
    'claude_real/DERIVED_spotter_4d5611e5_usage_rows_content_stripped.jsonl',
  'claude/projects/project-alpha/session-alpha/chat.jsonl': 'ccusage/claude_project-alpha_chat.jsonl',
  'claude/projects/project-beta/session-beta/chat.jsonl': 'ccusage/claude_project-beta_chat.jsonl',
  'codex/archived_sessions/parent.jsonl': 'codexbar/Issue2037__live-fork-4d90-52bf_codex-home_archived_sessions_parent.jsonl',
  'codex/archived_sessions/child.jsonl': 'codexbar/Issue2037__live-fork-4d90-52bf_codex-home_archived_sessions_child.jsonl',
  'codex/sessions/2026/01/01/rollout-2026-01-01T00-00-00-session-alpha.jsonl': 'ccusage/codex_session-alpha.jsonl',
}

/** Copies the fixture layout under `root` and returns the environment that points every tool at it. */
export function fixtureEnv(root: string, tz: string): NodeJS.ProcessEnv {
  for (const [to, from] of Object.entries(FIXTURE_LAYOUT)) {
    const dest = join(root, to)
    mkdirSync(dirname(dest), { recursive: true })
    copyFileSync(join(FIXTURES, from), dest)
  }
  return {
    PATH: process.env.PATH ?? '',
    HOME: root,
    TZ: tz,
    TOKENWATCH_HOME: join(root, 'home'),
    TOKENWATCH_USER: 'e2e',
    CLAUDE_CONFIG_DIR: join(root, 'claude'),
    CODEX_HOME: join(root, 'codex'),
  }
}

/** Runs one `tokenwatch` command to completion and returns its stdout; fails on a non-zero exit. */
export async function tokenwatch(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileP(process.execPath, [BIN, ...args], { env, encoding: 'utf8', timeout: 20_000, maxBuffer: 16 << 20 })
  return stdout
}

export interface Serve {
  /** The dashboard's bare address (a browser that signed in opens it as it is). */
  url: string
  /** The next printed one-time link not yet handed out (each signs a browser in once). */
  link(): Promise<string>
  port: number
  /** The printed socket path, unless started with --no-socket. */
  socket?: string
  output(): string
  /** Sends SIGTERM and resolves with the exit code (SIGKILL after `graceMs`; then null). */
  stop(graceMs?: number): Promise<number | null>
}

const live = new Set<ChildProcess>()
// A worker that dies mid-test must not leave a server behind.
process.once('exit', () => {
  for (const c of live) c.kill('SIGKILL')
})

/** Starts `tokenwatch serve <args>` and resolves once it prints `watching` (backfill done). */
export async function startServe(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Serve> {
  // Parallel test files must not race for the machine's OTLP port 4318: only tests that ask for it get a receiver.
  const otlp = args.includes('--otlp-port') ? [] : ['--no-otlp']
  const child = spawn(process.execPath, [BIN, 'serve', ...otlp, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((done) =>
    child.once('exit', (code) => {
      live.delete(child)
      done(code)
    }),
  )
  const output = (): string => `--- stdout\n${out}--- stderr\n${err}`

  const stop = async (graceMs = 5000): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    try {
      return await exited
    } finally {
      clearTimeout(timer)
    }
  }

  const deadline = Date.now() + timeoutMs
  while (!/^watching\s/m.test(out)) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`tokenwatch serve exited (${child.exitCode ?? child.signalCode}) before watching:\n${output()}`)
    if (Date.now() > deadline) {
      await stop(1000)
      throw new Error(`tokenwatch serve did not print "watching" within ${timeoutMs} ms:\n${output()}`)
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  const m = /^dashboard\s+http:\/\/127\.0\.0\.1:(\d+)\/\?code=\S+$/m.exec(out)
  if (m === null) {
    await stop(1000)
    throw new Error(`no dashboard link in the output of tokenwatch serve:\n${output()}`)
  }
  const socket = /^socket\s+(\S.*)$/m.exec(out)?.[1]
  const port = Number(m[1])
  let handedOut = 0
  // Each printed link opens the dashboard once; serve prints the next one when it is used.
  const link = async (): Promise<string> => {
    const end = Date.now() + 10_000
    for (;;) {
      const links = [...out.matchAll(/^(?:dashboard|next link)\s+(http:\/\/127\.0\.0\.1:\d+\/\?code=\S+)$/gm)].map((x) => x[1] as string)
      const next = links[handedOut]
      if (next !== undefined) {
        handedOut++
        return next
      }
      if (Date.now() > end) throw new Error(`tokenwatch serve printed no further link:\n${output()}`)
      await new Promise((r) => setTimeout(r, 25))
    }
  }
  return { url: `http://127.0.0.1:${port}/`, link, port, ...(socket === undefined ? {} : { socket }), output, stop }
}

/** Closes the browser, then stops serve, then removes the test's root: each step runs whatever the one before did. */
export async function teardown(
  ctx: { close(): Promise<void> } | undefined,
  serve: Serve | undefined,
  root: string | undefined,
): Promise<void> {
  try {
    await ctx?.close()
  } finally {
    try {
      await serve?.stop(2000)
    } finally {
      if (root !== undefined) rmSync(root, { recursive: true, force: true })
    }
  }
}
