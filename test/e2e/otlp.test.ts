/**
 * End to end in real Chromium against the real `tokenwatch serve --otlp-port 0`: Settings →
 * "Connect an agent" shows the receiver's address in each snippet and "waiting for data…"; a
 * Claude Code event posted by the real OTel JS exporter turns it to "received"; the Sources
 * panel lists the service; the dashboard's figures are `tokenwatch report`'s.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs'
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http'
import { resourceFromAttributes } from '@opentelemetry/resources'
import { launchPage } from '../renderer/browser'
import { requireBuild, startServe, teardown, tokenwatch, type Serve } from './serve'

const WAIT_MS = 10_000
let root: string
let env: NodeJS.ProcessEnv
let serve: Serve | undefined
let ctx: BrowserContext | undefined
let page: Page
let otlpUrl = ''

async function textOf(testid: string, matches: (t: string) => boolean): Promise<string> {
  const loc = page.getByTestId(testid).first()
  const deadline = Date.now() + WAIT_MS
  for (;;) {
    const last = (await loc.count()) > 0 ? ((await loc.textContent()) ?? '') : '<missing>'
    if (matches(last) || Date.now() > deadline) return last
    await new Promise((r) => setTimeout(r, 50))
  }
}

beforeAll(async () => {
  requireBuild()
  root = mkdtempSync(join(tmpdir(), 'tw-e2e-otlp-'))
  env = {
    PATH: process.env.PATH ?? '',
    HOME: root,
    TZ: 'UTC',
    TOKENWATCH_HOME: join(root, 'home'),
    TOKENWATCH_USER: 'e2e',
    CLAUDE_CONFIG_DIR: join(root, 'claude'),
    CODEX_HOME: join(root, 'codex'),
  }
  serve = await startServe(['--port', '0', '--no-socket', '--otlp-port', '0'], env)
  otlpUrl = /^otlp\s+(\S+)/m.exec(serve.output())?.[1] ?? ''
  const launched = await launchPage(root, 'UTC')
  ctx = launched.ctx
  page = launched.page
})

afterAll(() => teardown(ctx, serve, root))

describe('OpenTelemetry over the real tokenwatch serve', () => {
  it('Connect an agent: the snippets carry the receiver, waiting turns to received; Sources lists the service', async () => {
    expect(otlpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
    await page.goto(await (serve?.link() ?? Promise.resolve('')))
    await page.getByTestId('tab-settings').click()
    await page.getByTestId('connect-agent').waitFor()
    // The first answer of sourceStatus can take a moment under load.
    expect(await textOf('otlp-receiver', (t) => !t.startsWith('Looking'))).toContain(otlpUrl)
    expect(await page.getByTestId('snippet-claude-code').textContent()).toContain(`export OTEL_EXPORTER_OTLP_ENDPOINT=${otlpUrl}`)
    expect(await page.getByTestId('snippet-codex').textContent()).toContain(`endpoint = "${otlpUrl}/v1/logs"`)
    expect(await page.getByTestId('connect-state-claude-code').textContent()).toBe('waiting for data…')

    const provider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': 'claude-code' }),
      processors: [new SimpleLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${otlpUrl}/v1/logs` }) })],
    })
    const logger = provider.getLogger('com.anthropic.claude_code.events')
    logger.emit({
      body: 'claude_code.api_request',
      attributes: {
        'event.name': 'api_request',
        'event.timestamp': new Date().toISOString(),
        'session.id': 'e2e-s',
        request_id: 'req_e2e_1',
        model: 'claude-sonnet-4-5',
        input_tokens: 2000,
        output_tokens: 500,
        cache_read_tokens: 10000,
        cache_creation_tokens: 0,
      },
    })
    logger.emit({ body: 'claude_code.tool_result', attributes: { 'event.name': 'tool_result', tool_name: 'Bash' } })
    await provider.forceFlush()
    await provider.shutdown()

    const state = await textOf('connect-state-claude-code', (t) => t.startsWith('received'))
    expect(state).toMatch(/^received 2 records, 1 with usage, /)
    expect(await page.getByTestId('connect-state-codex').textContent()).toBe('waiting for data…')

    await page.getByTestId('tab-sources').click()
    const services = page.getByTestId('services-otlp')
    await services.waitFor()
    expect(await services.locator('tbody tr').first().locator('td').allTextContents()).toEqual([
      'claude-code',
      '2',
      '1',
      'not-usage 1',
      expect.any(String) as string,
    ])

    const report = JSON.parse(await tokenwatch(['report', '--json', '--group-by', 'source'], env)) as {
      rows: { source: string; input: number; output: number; cacheRead: number; requests: number }[]
    }
    expect(report.rows).toEqual([expect.objectContaining({ source: 'otlp', input: 2000, output: 500, cacheRead: 10000, requests: 1 })])
  })
})
