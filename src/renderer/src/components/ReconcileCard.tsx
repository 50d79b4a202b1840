import { useState, type JSX } from 'react'
import type { AppApi, ReconcileLine, Reconciliation } from '../../../shared/contract'
import { formatCompact, formatUsd } from '../lib/format'

const usd = (n: number | null): string => (n === null ? '–' : n < 0 ? `−${formatUsd(-n)}` : formatUsd(n))

const KIND: Record<Reconciliation['kind'], string> = {
  cursor: 'Cursor usage export',
  anthropic: 'Anthropic Console export',
  openai: 'OpenAI usage export',
}

function Line({ l }: { l: ReconcileLine }): JSX.Element {
  return (
    <tr data-testid="reconcile-row" data-reason={l.reason}>
      <td>{l.day}</td>
      <td>{l.model}</td>
      <td className="num">{usd(l.billedUsd)}</td>
      <td className="num">{usd(l.countedUsd)}</td>
      <td className="num">{usd(l.diffUsd)}</td>
      <td className="num">
        {l.billedTokens === null ? '–' : formatCompact(l.billedTokens)} / {formatCompact(l.countedTokens)}
      </td>
      <td>{l.note}</td>
    </tr>
  )
}

/**
 * Invoice reconciliation: the user picks a provider's export; the page reads the file's text and
 * sends only that (it never names a path); the engine sets it beside what it counted.
 */
export function ReconcileCard({ api }: { api: AppApi }): JSX.Element {
  const [result, setResult] = useState<{ name: string; r: Reconciliation } | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)

  const pick = async (file: File | undefined): Promise<void> => {
    if (!file) return
    setBusy(true)
    setError(null)
    try {
      setResult({ name: file.name, r: await api.reconcile({ csv: await file.text() }) })
    } catch (err) {
      setResult(null)
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="card" aria-labelledby="reconcile-title">
      <h2 id="reconcile-title">Reconcile an invoice</h2>
      <p className="muted">
        Pick a provider&apos;s own usage or cost export (Cursor usage CSV, Anthropic Console, OpenAI usage): billed beside counted, per UTC
        day and model.
      </p>
      <label>
        Export file{' '}
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="reconcile-file"
          disabled={busy}
          onChange={(e) => void pick(e.target.files?.[0])}
        />
      </label>
      {error !== null && (
        <p className="error-text" role="alert" data-testid="reconcile-error">
          {error}
        </p>
      )}
      {result !== null && (
        <>
          <p data-testid="reconcile-summary">
            {KIND[result.r.kind]} {result.name}, {result.r.from} to {result.r.to}: billed {usd(result.r.totals.billedUsd)}, counted{' '}
            {usd(result.r.totals.countedUsd)}, difference {usd(result.r.totals.diffUsd)}
            {result.r.skipped.length > 0 && (
              <>
                {' '}
                · {result.r.skipped.length} unreadable line{result.r.skipped.length === 1 ? '' : 's'} skipped (first: line{' '}
                {result.r.skipped[0]?.line}, {result.r.skipped[0]?.reason})
              </>
            )}
          </p>
          <div className="reconcile-scroll">
            <table className="blocks-table">
              <thead>
                <tr>
                  <th>Day (UTC)</th>
                  <th>Model</th>
                  <th className="num">Billed</th>
                  <th className="num">Counted</th>
                  <th className="num">Difference</th>
                  <th className="num">Tokens billed / counted</th>
                  <th>Why</th>
                </tr>
              </thead>
              <tbody>
                {result.r.lines.map((l) => (
                  <Line key={`${l.day} ${l.model}`} l={l} />
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  )
}
