/** `tokenwatch emit`: reports one usage event to the running app over its socket. */
import { defaultSocketPath, sendOne, type UsageReport } from '../../clients/node/tokenwatch-client.mjs'
import { parseOptions, UsageError } from './args'

/** Usage text for `tokenwatch emit --help`. */
export const EMIT_USAGE = `Usage: tokenwatch emit --agent A --model M [--input N] [--output N] [options]

Reports one request's token usage to the running Token Watch (its local socket).
  --agent A          agent or app name (required)
  --model M          full model string (required)
  --input N          uncached input tokens         --output N        output tokens
  --cache-read N     cache-read tokens             --cache-write N   cache-write tokens
  --user U           user (default: the app's OS user)
  --project P        project                       --session S       session id
  --id ID            idempotency id: resending the same id counts once
  --ts T             ISO 8601 with zone, or epoch ms (default: now)
  --cost-usd X       cost already known, USD (otherwise the app prices the tokens)
  --socket PATH      socket path (default: <TOKENWATCH_HOME>/ingest.sock)
Prints the app's reply as JSON. Exit 0 when acknowledged, 1 when refused or unreachable, 2 on bad usage.`

/** Where the command writes (tests capture it). */
export interface EmitIo {
  out(text: string): void
  err(text: string): void
}

const stdio: EmitIo = {
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
}

const OPTIONS = {
  agent: { type: 'string' },
  model: { type: 'string' },
  input: { type: 'string' },
  output: { type: 'string' },
  'cache-read': { type: 'string' },
  'cache-write': { type: 'string' },
  user: { type: 'string' },
  project: { type: 'string' },
  session: { type: 'string' },
  id: { type: 'string' },
  ts: { type: 'string' },
  'cost-usd': { type: 'string' },
  socket: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

function count(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v)) throw new UsageError(`--${flag}: must be a non-negative integer, got ${JSON.stringify(v)}`)
  return Number(v)
}

/** Builds the report from the flags; the app validates it again (and names any bad field). */
export function reportFromArgs(args: string[]): { report: UsageReport; socket: string | undefined } | 'help' {
  // `--input -5` would otherwise read as a missing value followed by an unknown flag.
  for (let i = 0; i < args.length - 1; i++) {
    const flag = /^--(input|output|cache-read|cache-write|cost-usd)$/.exec(args[i] ?? '')?.[1]
    const next = args[i + 1] ?? ''
    if (flag && /^-\d/.test(next)) {
      throw new UsageError(
        flag === 'cost-usd'
          ? '--cost-usd: must be a non-negative number'
          : `--${flag}: must be a non-negative integer, got ${JSON.stringify(next)}`,
      )
    }
  }
  const o = parseOptions(args, OPTIONS)
  if (o.help) return 'help'
  if (!o.agent) throw new UsageError('--agent is required')
  if (!o.model) throw new UsageError('--model is required')
  const report: UsageReport = { agentId: o.agent, model: o.model }
  const counts = [
    ['input', 'input'],
    ['output', 'output'],
    ['cacheRead', 'cache-read'],
    ['cacheWrite', 'cache-write'],
  ] as const
  for (const [field, flag] of counts) {
    const n = count(flag, o[flag])
    if (n !== undefined) report[field] = n
  }
  if (o.user !== undefined) report.userId = o.user
  if (o.project !== undefined) report.project = o.project
  if (o.session !== undefined) report.sessionId = o.session
  if (o.id !== undefined) report.id = o.id
  if (o.ts !== undefined) report.ts = /^\d+$/.test(o.ts) ? Number(o.ts) : o.ts
  if (o['cost-usd'] !== undefined) {
    const usd = Number(o['cost-usd'])
    if (o['cost-usd'].trim() === '' || !Number.isFinite(usd) || usd < 0) throw new UsageError('--cost-usd: must be a non-negative number')
    report.costUsd = usd
  }
  return { report, socket: o.socket }
}

function unreachable(err: unknown, socket: string): string {
  const code = (err as NodeJS.ErrnoException | null)?.code
  if (code === 'ENOENT' || code === 'ECONNREFUSED') {
    return `Token Watch is not running (nothing listens on ${socket}); start the app or \`tokenwatch serve\``
  }
  return `could not reach Token Watch at ${socket}: ${err instanceof Error ? err.message : String(err)}`
}

/** Runs `tokenwatch emit`; returns the exit code. */
export async function runEmit(args: string[], env: NodeJS.ProcessEnv = process.env, io: EmitIo = stdio): Promise<number> {
  let parsed: ReturnType<typeof reportFromArgs>
  try {
    parsed = reportFromArgs(args)
  } catch (e) {
    if (!(e instanceof UsageError)) throw e
    io.err(`tokenwatch emit: ${e.message}\n${EMIT_USAGE}\n`)
    return 2
  }
  if (parsed === 'help') {
    io.out(`${EMIT_USAGE}\n`)
    return 0
  }
  const socket = parsed.socket ?? defaultSocketPath(env)
  try {
    const ack = await sendOne(parsed.report, { socketPath: socket })
    if (!ack.ok) {
      io.err(`tokenwatch emit: refused: ${ack.error}\n`)
      io.out(`${JSON.stringify(ack)}\n`)
      return 1
    }
    io.out(`${JSON.stringify(ack)}\n`)
    return 0
  } catch (e) {
    io.err(`tokenwatch emit: ${unreachable(e, socket)}\n`)
    return 1
  }
}
