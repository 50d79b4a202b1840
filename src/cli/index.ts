import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { UsageError } from './args'
import { runReportCommand } from './report'
import { runScan } from './scan'

const USAGE = `tokenwatch: what your AI agents cost, hour by hour

Usage:
  tokenwatch --version | --help | COMMAND --help
  tokenwatch scan   [--db FILE] [--user U] [--json]
  tokenwatch report [--since DAY] [--until DAY] [--tz IANA] [--group-by DIMS]
                    [--user U] [--agent A] [--project P] [--model M] [--source S] [--machine NAME]
                    [--json | --csv] [--db FILE]
  tokenwatch blocks [--active] [--json] [--db FILE]
  tokenwatch budgets [--json] [--tz IANA] [--db FILE]
  tokenwatch report --from postgres://… | --folder DIR [same flags]   (the team's / my machines' report)
  tokenwatch sync   --to postgres://… | --folder DIR [--projects as-is|basename|hashed] [--db FILE] [--json]
  tokenwatch machine [--name NAME] [--json]
  tokenwatch reconcile FILE [--json | --csv] [--db FILE]   (a provider's usage/cost export vs what was counted)
  tokenwatch statusline   (Claude Code's statusLine command: hook JSON on stdin, one line out)
  tokenwatch serve  [--db FILE] [--port N] [--no-watch] [--no-web] [--otlp-port N | --no-otlp]
  tokenwatch serve  --team postgres://… [--port N]   (the dashboard over the team database, read-only)
  tokenwatch emit   --agent A --model M [--input N] [--output N] [--cache-read N] [--cache-write N] [...]

  tokenwatch backup [--out FILE] [--db FILE]
  tokenwatch restore FILE [--db FILE]

DAY: YYYY-MM-DD or YYYYMMDD. DIMS: comma-separated hour, day, week, month, model, agent, user, project, session, source, machine.
Environment: TOKENWATCH_HOME (data dir), TOKENWATCH_TEAM_URL (team database), CLAUDE_CONFIG_DIR (comma-separated), CODEX_HOME.
`

/** The package version (out/cli/tokenwatch.js sits two folders below package.json). */
export function version(): string {
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

/** `tokenwatch NAME --help`: the usage lines of that command, then the shared notes. */
export function commandUsage(name: string): string {
  const lines = USAGE.split('\n')
  const own: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (!line.startsWith(`  tokenwatch ${name} `) && line !== `  tokenwatch ${name}`) continue
    own.push(line.trimStart())
    // A continuation line (indented further, no command) belongs to the line above.
    while ((lines[i + 1] ?? '').startsWith('                ')) own.push((lines[++i] ?? '').trimStart())
  }
  const notes = lines.filter((l) => l.startsWith('DIMS:') || l.startsWith('Environment:'))
  return `Usage:\n${own.map((l) => `  ${l}`).join('\n')}\n\n${notes.join('\n')}\n`
}

type Command = (args: string[], env: NodeJS.ProcessEnv) => Promise<number>

const COMMANDS: Record<string, () => Promise<Command>> = {
  scan: async () => runScan,
  report: async () => runReportCommand,
  blocks: async () => (await import('./blocks')).runBlocks,
  budgets: async () => (await import('./budgets')).runBudgets,
  // A status line never fails its hook, not even when the store's native module cannot load.
  statusline: async () => {
    try {
      return (await import('./statusline')).runStatusline
    } catch {
      return async () => (process.stdout.write('Token Watch: unavailable\n'), 0)
    }
  },
  serve: async () => (await import('./serve')).runServe,
  emit: async () => (await import('./emit')).runEmit,
  backup: async () => (await import('./backup')).runBackup,
  sync: async () => (await import('./sync')).runSync,
  machine: async () => (await import('./machine')).runMachine,
  reconcile: async () => (await import('./reconcile')).runReconcile,
  restore: async () => (await import('./backup')).runRestore,
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE)
    return name ? 0 : 2
  }
  if (name === '--version' || name === '-v' || name === 'version') {
    process.stdout.write(`tokenwatch ${version()}\n`)
    return 0
  }
  const load = COMMANDS[name]
  if (!load) {
    process.stderr.write(`tokenwatch: unknown command ${name}\n\n${USAGE}`)
    return 2
  }
  // Every command answers --help; emit has its own, longer text.
  if (name !== 'emit' && (rest.includes('--help') || rest.includes('-h'))) {
    process.stdout.write(commandUsage(name))
    return 0
  }
  try {
    return await (
      await load()
    )(rest, env)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`tokenwatch ${name}: ${err.message}\n`)
      return 2
    }
    process.stderr.write(`tokenwatch ${name}: ${(err as Error).message}\n`)
    return 1
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (err: unknown) => {
    process.stderr.write(`tokenwatch: ${String(err)}\n`)
    process.exitCode = 1
  },
)
