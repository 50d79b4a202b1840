import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createEngineApi } from '../engine/api'
import { Engine } from '../engine/live/engine'
import { startWebServer } from '../engine/web/server'
import { createTeamApi } from '../engine/sync/team-api'
import { createScopedApis } from '../engine/scoped-api'
import { redactUrl } from '../shared/team-url'
import { parseOptions, UsageError } from './args'
import { progressBar } from './progress'
import { teamUrlFrom } from './sync'

/** The built dashboard: beside the bundled CLI (out/cli → out/renderer), else from the repo. */
export function rendererDir(): string {
  const candidates = [join(__dirname, '..', 'renderer'), resolve('out', 'renderer')]
  return candidates.find((d) => existsSync(join(d, 'index.html'))) ?? (candidates[0] as string)
}

/**
 * `tokenwatch serve`: the engine headless. Backfills, then tails the logs, takes pushed events on
 * the socket and on POST /v1/usage, and serves the dashboard, until SIGINT/SIGTERM, which flush
 * and close everything cleanly.
 */
export async function runServe(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const o = parseOptions(args, {
    db: { type: 'string' },
    user: { type: 'string' },
    port: { type: 'string' },
    'no-watch': { type: 'boolean' },
    'no-web': { type: 'boolean' },
    'no-socket': { type: 'boolean' },
    team: { type: 'string' },
    'otlp-port': { type: 'string' },
    'no-otlp': { type: 'boolean' },
  })
  const otlpPort = o['otlp-port'] === undefined ? undefined : Number(o['otlp-port'])
  if (otlpPort !== undefined && (!Number.isInteger(otlpPort) || otlpPort < 0 || otlpPort > 65535))
    throw new UsageError('--otlp-port: expected 0..65535')
  if (otlpPort !== undefined && o['no-otlp']) throw new UsageError('--otlp-port and --no-otlp do not go together')
  const port = o.port === undefined ? 0 : Number(o.port)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port: expected 0..65535')
  if (o.team !== undefined) {
    if (o.db !== undefined || o.user !== undefined || o['no-web'])
      throw new UsageError('--team serves the team database: --db, --user and --no-web do not apply')
    return serveTeam(teamUrlFrom('--team', o.team, env), port)
  }
  const engine = await Engine.open({
    env,
    watch: !o['no-watch'],
    ...(o.db ? { dbPath: o.db } : {}),
    ...(o.user ? { userId: o.user } : {}),
    log: (m) => process.stderr.write(`warning: ${m}\n`),
  })
  const closers: (() => Promise<void>)[] = []
  try {
    if (!o['no-socket']) {
      process.stdout.write(`socket     ${await engine.openSocket()}\n`)
    }
    if (otlpPort !== undefined) {
      // Asked for by port: that port or an error.
      process.stdout.write(`otlp       ${(await engine.serveOtlp({ port: otlpPort }))?.url ?? ''}\n`)
    } else if (!o['no-otlp']) {
      // As the settings say: 4318, else their port; when neither is free, serve without it.
      try {
        const otlp = await engine.serveOtlp()
        if (otlp) process.stdout.write(`otlp       ${otlp.url}\n`)
      } catch (err) {
        process.stderr.write(`warning: OpenTelemetry receiver not started: ${(err as Error).message}\n`)
      }
    }
    if (!o['no-web']) {
      const apiOpts: { socketPath?: string; httpUrl?: string } = o['no-socket'] ? {} : { socketPath: engine.paths.socket }
      const api = createEngineApi(engine, apiOpts)
      const scopes = createScopedApis(engine, api, { log: (m) => process.stderr.write(`warning: ${m}\n`) })
      closers.push(() => scopes.close())
      const web = await startWebServer({
        api,
        scoped: (scope) => scopes.get(scope),
        staticDir: rendererDir(),
        port,
        ingest: { writer: engine.writer, userId: engine.userId },
        onLink: printNextLink,
      })
      closers.push(() => web.close())
      // The Sources panel lists the HTTP push endpoint (read when asked, so the port is known by then).
      apiOpts.httpUrl = `http://127.0.0.1:${web.port}/v1/usage`
      process.stdout.write(`dashboard  ${web.url}\n${LINK_NOTE}ingest     ${apiOpts.httpUrl}\n`)
    }
    process.stdout.write(`store      ${engine.store.path}\n`)
  } catch (err) {
    for (const c of closers.reverse()) await c()
    await engine.stop()
    throw err
  }

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      for (const c of closers.reverse()) await c()
      await engine.stop()
    })())
  const done = new Promise<number>((resolveExit) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\n${sig}: flushing and closing\n`)
      void stop().then(
        () => resolveExit(0),
        () => resolveExit(1),
      )
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
  const bar = progressBar()
  const tick = setInterval(() => bar.update(engine.progress), 200)
  try {
    await engine.start()
  } finally {
    clearInterval(tick)
    bar.done()
  }
  const s = engine.lastScan
  if (s)
    process.stdout.write(
      `backfill   ${s.filesRead} files, ${s.inserted} new events, ${s.duplicates} duplicates, ${s.skipped} lines skipped\n`,
    )
  process.stdout.write(engine.watching ? 'watching   agent logs for new usage (Ctrl-C to stop)\n' : 'ready      (Ctrl-C to stop)\n')
  return done
}

/** Under the printed link: what it is good for. */
const LINK_NOTE =
  '           (the link works once, within 10 minutes, and signs that browser in; the next one is printed when it is used)\n'

/** A fresh link, made when the last one was used or a spent one was opened. */
function printNextLink(url: string): void {
  process.stdout.write(`next link  ${url}\n`)
}

/** `serve --team URL`: the dashboard over the team database (read-only; no logs read, no ingest). */
async function serveTeam(url: string, port: number): Promise<number> {
  const api = createTeamApi(url)
  const web = await startWebServer({
    api,
    // The team is the one scope served here.
    scoped: (scope) => {
      if (scope !== 'team') throw new Error('this server serves the team database only (tokenwatch serve --team)')
      return api
    },
    staticDir: rendererDir(),
    port,
    onLink: printNextLink,
  })
  process.stdout.write(`dashboard  ${web.url}\n${LINK_NOTE}team       ${redactUrl(url)}\nready      (Ctrl-C to stop)\n`)
  return new Promise<number>((resolveExit) => {
    const onSignal = (sig: NodeJS.Signals) => {
      process.stderr.write(`\n${sig}: closing\n`)
      void web
        .close()
        .then(() => api.close())
        .then(
          () => resolveExit(0),
          () => resolveExit(1),
        )
    }
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
  })
}
