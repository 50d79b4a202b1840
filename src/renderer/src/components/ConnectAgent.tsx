import { type JSX, useEffect, useState } from 'react'
import type { AppApi, OtlpServiceStatus } from '../../../shared/contract'
import { formatInt, formatRelative } from '../lib/format'
import { agentSnippets, receivedFrom } from '../lib/otlp-snippets'

/** Change events (a burst of exports) collapse into one reload per this many ms. */
const RELOAD_MS = 300

/**
 * Settings → "Connect an agent": for each agent the exact env vars or config to paste, with a
 * copy button and whether its OpenTelemetry has arrived yet ("waiting for data…" / "received").
 */
export function ConnectAgent({ api, enabled }: { api: AppApi; enabled: boolean }): JSX.Element {
  const [receiver, setReceiver] = useState<{ url: string; services: OtlpServiceStatus[]; portTaken?: number }>()
  const [now, setNow] = useState(Date.now())
  const [copied, setCopied] = useState<string>()
  useEffect(() => {
    let live = true
    const load = (): void => {
      api.sourceStatus().then(
        (all) => {
          if (!live) return
          const o = all.find((s) => s.source === 'otlp')
          setReceiver({
            url: o?.found ? o.location : '',
            services: o?.services ?? [],
            ...(o?.portTaken !== undefined ? { portTaken: o.portTaken } : {}),
          })
          setNow(Date.now())
        },
        () => {},
      )
    }
    load()
    // Live: the engine's change feed announces every OTLP commit (and settings changes: the port).
    let timer: ReturnType<typeof setTimeout> | undefined
    const off = api.onChange(() => {
      timer ??= setTimeout(() => {
        timer = undefined
        load()
      }, RELOAD_MS)
    })
    return () => {
      live = false
      off()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [api])
  const url = receiver?.url ?? ''
  const copy = (id: string, text: string): void => {
    void navigator.clipboard?.writeText(text).then(
      () => setCopied(id),
      () => setCopied(undefined),
    )
  }
  return (
    <section className="connect-agent" data-testid="connect-agent">
      <p className="help" data-testid="otlp-receiver">
        {receiver === undefined ? (
          'Looking for the OpenTelemetry receiver…'
        ) : url ? (
          <>
            OpenTelemetry receiver listening on <code>{url}</code> (OTLP/HTTP, protobuf or JSON, loopback only).
            {receiver.portTaken !== undefined &&
              ` Port ${receiver.portTaken} is taken (another collector?), so the snippets below use this port.`}
          </>
        ) : enabled ? (
          'The OpenTelemetry receiver is not listening (its port may be taken: see the log, or set another port above).'
        ) : (
          'The OpenTelemetry receiver is off: switch it on above.'
        )}
      </p>
      {agentSnippets(url || 'http://127.0.0.1:4318').map((a) => {
        const got = receivedFrom(a, receiver?.services ?? [])
        return (
          <article key={a.id} className="card agent-snippet" data-testid={`connect-${a.id}`}>
            <header className="source-head">
              <h4>{a.label}</h4>
              {got === undefined ? (
                <span className="badge badge-muted" data-testid={`connect-state-${a.id}`}>
                  waiting for data…
                </span>
              ) : (
                <span className="badge badge-ok" data-testid={`connect-state-${a.id}`}>
                  received {formatInt(got.received)} records, {formatInt(got.usage)} with usage, {formatRelative(got.lastSeenAt, now)}
                </span>
              )}
            </header>
            <p className="help">Paste into {a.where}:</p>
            <pre className="snippet" data-testid={`snippet-${a.id}`}>
              {a.text}
            </pre>
            <button type="button" onClick={() => copy(a.id, a.text)} data-testid={`copy-${a.id}`}>
              {copied === a.id ? 'Copied' : 'Copy'}
            </button>
          </article>
        )
      })}
      <p className="help">Prompt text in OpenTelemetry records is never stored. More: docs/OTEL.md.</p>
    </section>
  )
}
