/** `tokenwatch serve --otlp-port N` / `--no-otlp`: the real CLI, the real OTel JS exporter, the real store. */
import { beforeAll, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:net'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { tempDir } from '../helpers/temp'
import { cliEnv, reportTotals, requireBuild, runCli, startServe } from './run-cli'

beforeAll(requireBuild)

describe('tokenwatch serve and OpenTelemetry', () => {
  it('--otlp-port 0 receives Claude Code events over OTLP/HTTP protobuf; they are in the report after a restart', async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const served = await startServe(['--no-web', '--no-socket', '--otlp-port', '0'], env)
    const url = /^otlp\s+(\S+)/m.exec(served.out())?.[1] ?? ''
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    const exporter = new OTLPLogExporter({ url: `${url}/v1/logs` })
    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'claude-code' }),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    })
    provider.getLogger('com.anthropic.claude_code.events').emit({
      body: 'claude_code.api_request',
      attributes: {
        'event.name': 'api_request',
        'event.timestamp': '2026-11-30T08:00:00Z',
        request_id: 'req_cli1',
        model: 'claude-sonnet-4-5',
        input_tokens: 1234,
        output_tokens: 56,
        cache_read_tokens: 7000,
        cache_creation_tokens: 80,
      },
    })
    await provider.forceFlush()
    await provider.shutdown()
    expect(await served.stop()).toBe(0)
    expect(reportTotals(env)).toEqual({ input: 1234, output: 56, cacheRead: 7000, cacheWrite: 80, requests: 1 })
  })

  it('--otlp-port on a taken port fails with one line; --no-otlp prints no receiver; both together are a usage error', async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    const taken = createServer()
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()))
    try {
      const port = (taken.address() as { port: number }).port
      const r = runCli(['serve', '--no-web', '--no-socket', '--no-watch', '--otlp-port', String(port)], env)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain(`OTLP port ${port} is taken: pick another with --otlp-port, or --no-otlp`)
    } finally {
      taken.close()
    }
    const both = runCli(['serve', '--otlp-port', '5000', '--no-otlp'], env)
    expect(both.code).toBe(2)
    expect(both.stderr).toContain('--otlp-port and --no-otlp do not go together')
    const served = await startServe(['--no-web', '--no-socket'], env)
    expect(served.out()).not.toMatch(/^otlp /m)
    expect(await served.stop()).toBe(0)
  })

  it('4318 taken: serve says so on stderr and listens on the settings port', async () => {
    const dir = tempDir()
    const env = cliEnv(dir)
    mkdirSync(join(dir, 'home'), { recursive: true })
    // The settings' port when 4318 is taken: any free one (a fixed one could be another test's).
    writeFileSync(join(dir, 'home', 'settings.json'), JSON.stringify({ otlpPort: 0 }))
    // The real 4318, held by this test. Another process (a local Collector, another test's
    // receiver) may hold it already: it is taken either way, so that is the same case.
    const holder: Server = createServer()
    const held = await new Promise<boolean>((r) => {
      holder.once('error', () => r(false))
      holder.listen(4318, '127.0.0.1', () => r(true))
    })
    try {
      const served = await startServe(['--no-web', '--no-socket'], env, { defaultOtlp: true })
      const url = /^otlp\s+(\S+)/m.exec(served.out())?.[1] ?? ''
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
      expect(url).not.toBe('http://127.0.0.1:4318')
      expect(served.out()).toContain(
        `warning: OTLP port 4318 is taken (another collector?): receiving on ${url} instead; point agents there\n`,
      )
      expect(await served.stop()).toBe(0)
    } finally {
      if (held) await new Promise((r) => holder.close(r))
    }
  })
})
