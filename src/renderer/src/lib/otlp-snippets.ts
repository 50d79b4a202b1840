/** What to paste into each agent so it sends OpenTelemetry to Token Watch (docs/OTEL.md has the same). */
import type { OtlpServiceStatus } from '../../../shared/contract'

export interface AgentSnippet {
  id: 'claude-code' | 'codex' | 'gemini-cli' | 'copilot-cli' | 'app'
  label: string
  /** Where the snippet goes. */
  where: string
  text: string
  /** Whether a service.name is this agent's. */
  owns: (service: string) => boolean
}

const KNOWN = [/^claude[-_]code/i, /^codex/i, /^gemini[-_]cli/i, /copilot/i]

/** The snippets for a receiver at `endpoint` (http://127.0.0.1:4318). */
export function agentSnippets(endpoint: string): AgentSnippet[] {
  return [
    {
      id: 'claude-code',
      label: 'Claude Code',
      where: 'your shell profile, or "env" in ~/.claude/settings.json',
      text: [
        'export CLAUDE_CODE_ENABLE_TELEMETRY=1',
        'export OTEL_LOGS_EXPORTER=otlp',
        'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
        `export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
      ].join('\n'),
      owns: (s) => KNOWN[0]?.test(s) === true,
    },
    {
      id: 'codex',
      label: 'Codex CLI',
      where: '~/.codex/config.toml',
      text: [
        '[otel]',
        'log_user_prompt = false',
        `exporter = { otlp-http = { endpoint = "${endpoint}/v1/logs", protocol = "binary" } }`,
      ].join('\n'),
      owns: (s) => KNOWN[1]?.test(s) === true,
    },
    {
      id: 'gemini-cli',
      label: 'Gemini CLI',
      where: 'your shell profile',
      text: [
        'export GEMINI_TELEMETRY_ENABLED=true',
        'export GEMINI_TELEMETRY_TARGET=local',
        `export GEMINI_TELEMETRY_OTLP_ENDPOINT=${endpoint}`,
        'export GEMINI_TELEMETRY_OTLP_PROTOCOL=http',
        'export GEMINI_TELEMETRY_LOG_PROMPTS=false',
      ].join('\n'),
      owns: (s) => KNOWN[2]?.test(s) === true,
    },
    {
      id: 'copilot-cli',
      label: 'GitHub Copilot CLI',
      where: 'your shell profile',
      text: [
        'export COPILOT_OTEL_ENABLED=true',
        'export COPILOT_OTEL_EXPORTER_TYPE=otlp-http',
        'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
        `export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
      ].join('\n'),
      owns: (s) => KNOWN[3]?.test(s) === true,
    },
    {
      id: 'app',
      label: 'Your own app (OpenTelemetry GenAI: OpenLLMetry, OpenLIT, Vercel AI SDK, Logfire, …)',
      where: "the app's environment",
      text: [
        `export OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}`,
        'export OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf',
        'export OTEL_SERVICE_NAME=my-app',
        'export OTEL_RESOURCE_ATTRIBUTES=tokenwatch.project=my-app',
      ].join('\n'),
      owns: (s) => !KNOWN.some((k) => k.test(s)),
    },
  ]
}

/** What the receiver has had from an agent: its services' records, usage and the newest arrival. */
export function receivedFrom(
  snippet: AgentSnippet,
  services: readonly OtlpServiceStatus[],
): { received: number; usage: number; lastSeenAt: number } | undefined {
  const mine = services.filter((s) => snippet.owns(s.service))
  if (mine.length === 0) return undefined
  return {
    received: mine.reduce((a, s) => a + s.received, 0),
    usage: mine.reduce((a, s) => a + s.usage, 0),
    lastSeenAt: Math.max(...mine.map((s) => s.lastSeenAt)),
  }
}
