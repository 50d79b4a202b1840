import { useState, type JSX } from 'react'
import type { AppApi, CursorImport as Imported } from '../../../shared/contract'
import { formatInt } from '../lib/format'

/**
 * The Cursor card's import: what Cursor does not record on this machine, and a file picker for
 * the dashboard's usage export. The page reads the file's text and sends only that.
 */
export function CursorImport({ api, onImported }: { api: AppApi; onImported: () => void }): JSX.Element {
  const [done, setDone] = useState<Imported | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const pick = async (file: File | undefined): Promise<void> => {
    if (!file) return
    setBusy(true)
    setError(null)
    try {
      setDone(await api.importCursorUsage({ csv: await file.text(), name: file.name }))
      onImported()
    } catch (err) {
      setDone(null)
      setError(err instanceof Error ? err.message : String(err))
    } finally {
      setBusy(false)
    }
  }
  const first = done?.days[0]
  const last = done?.days[done.days.length - 1]
  return (
    <div className="cursor-import" data-testid="cursor-import">
      <p className="hint" data-testid="cursor-limits">
        Cursor keeps no full usage record on this machine: its <code>state.vscdb</code> has input and output tokens only from older Cursor
        builds (newer ones write zeros), never cache reads or writes, and no cost. Your account&apos;s figures are in the usage export of
        Cursor&apos;s dashboard (Usage, Export CSV): import it here, or drop it in the <code>cursor-usage</code> folder of Token
        Watch&apos;s data folder. For each UTC day an export covers it replaces what <code>state.vscdb</code> gave, so nothing counts twice.
      </p>
      <label>
        Import usage CSV{' '}
        <input
          type="file"
          accept=".csv,text/csv"
          data-testid="cursor-import-file"
          disabled={busy}
          onChange={(e) => void pick(e.target.files?.[0])}
        />
      </label>
      {error !== null && (
        <p className="error-text" role="alert" data-testid="cursor-import-error">
          {error}
        </p>
      )}
      {done !== null && (
        <p data-testid="cursor-import-summary">
          Imported {done.file}: {formatInt(done.requests)} request{done.requests === 1 ? '' : 's'}
          {first !== undefined && <>, {first === last ? first : `${first} to ${last ?? ''}`} (UTC)</>}
          {done.skipped > 0 && (
            <>
              {' '}
              · {formatInt(done.skipped)} unreadable line{done.skipped === 1 ? '' : 's'} skipped
            </>
          )}
        </p>
      )}
    </div>
  )
}
