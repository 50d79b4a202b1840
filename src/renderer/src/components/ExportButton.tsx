import { type JSX, useState } from 'react'
import type { AppApi, ReportQuery } from '../../../shared/contract'
import type { Transport } from '../api'
import { formatInt } from '../lib/format'

/** A file name that says what is inside: tokenwatch-2026-03-01_2026-03-07-day-model.csv */
export function csvFileName(q: ReportQuery, dayOf: (ms: number) => string): string {
  const span = q.from === undefined ? 'all' : `${dayOf(q.from)}_${dayOf((q.to ?? Date.now()) - 1)}`
  return `tokenwatch-${span}-${q.groupBy.join('-') || 'total'}.csv`
}

/** Hands CSV text to the browser as a download, via a short-lived Blob link. */
export function downloadText(text: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }))
  const a = document.createElement('a')
  a.href = url
  a.download = fileName
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/** Exports exactly `query`: the native save dialog on desktop, a browser download headless. */
export function ExportButton({
  api,
  transport,
  query,
  dayOf,
}: {
  api: AppApi
  transport: Transport
  query: ReportQuery | undefined
  dayOf: (ms: number) => string
}): JSX.Element {
  const [busy, setBusy] = useState(false)
  const [message, setMessage] = useState<{ ok: boolean; text: string }>()

  const run = async (q: ReportQuery): Promise<void> => {
    setBusy(true)
    setMessage(undefined)
    try {
      if (transport === 'desktop') {
        const r = await api.exportCsv(q)
        setMessage(
          r.ok
            ? { ok: true, text: `Saved ${formatInt(r.rows)} rows${r.path === undefined ? '' : ` to ${r.path}`}` }
            : { ok: false, text: r.error },
        )
      } else {
        downloadText(await api.reportCsv(q), csvFileName(q, dayOf))
      }
    } catch (e) {
      setMessage({ ok: false, text: e instanceof Error ? e.message : String(e) })
    } finally {
      setBusy(false)
    }
  }

  return (
    <span className="export">
      <button
        type="button"
        data-testid="export-csv"
        disabled={query === undefined || busy}
        onClick={() => query !== undefined && void run(query)}
      >
        {busy ? 'Exporting…' : 'Export CSV'}
      </button>
      {message !== undefined && (
        <span className={message.ok ? 'muted' : 'error-text'} role="status" data-testid="export-status">
          {message.text}
        </span>
      )}
    </span>
  )
}
