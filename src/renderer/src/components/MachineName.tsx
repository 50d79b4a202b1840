import { type JSX, useEffect, useState } from 'react'
import type { AppApi } from '../../../shared/contract'
import { useAsync } from '../lib/use-async'

/**
 * This machine's name as the team and my machines show it (the host name until renamed), renamed
 * at once through setMachineName; blank restores the host name. Its own button, since the name
 * lives in the store, not in the settings the form saves.
 */
export function MachineName({ api, tick }: { api: AppApi; tick: number }): JSX.Element | null {
  // null: this connection has no machine of its own (a server over the team database).
  const current = useAsync(`machine#${tick}`, () => api.dataSources().then((l) => l.find((s) => s.scope === 'local')?.detail ?? null))
  const [draft, setDraft] = useState<string>()
  const [status, setStatus] = useState<{ ok: boolean; text: string }>()
  useEffect(() => setDraft(undefined), [current.data])
  if (current.data === null) return null
  const rename = async (): Promise<void> => {
    if (draft === undefined || draft.trim() === current.data) return setStatus({ ok: true, text: 'Nothing to rename.' })
    try {
      const list = await api.setMachineName({ name: draft.trim() })
      setDraft(undefined)
      setStatus({ ok: true, text: `This machine is now "${list.find((s) => s.scope === 'local')?.detail ?? draft.trim()}".` })
    } catch (err) {
      setStatus({ ok: false, text: err instanceof Error ? err.message : String(err) })
    }
  }
  return (
    <div className="machine-name">
      <label>
        This machine&apos;s name
        <input
          type="text"
          value={draft ?? current.data ?? ''}
          maxLength={200}
          placeholder="The host name"
          data-testid="settings-machine-name"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            // Enter renames; it must not submit the settings form around it.
            if (e.key === 'Enter') {
              e.preventDefault()
              void rename()
            }
          }}
        />
        <span className="help">How the team database and your other machines show it. Empty: the host name.</span>
      </label>
      <button type="button" onClick={() => void rename()} data-testid="settings-machine-rename">
        Rename
      </button>
      {status !== undefined && (
        <span role="status" className={status.ok ? 'ok-text' : 'error-text'} data-testid="settings-machine-status">
          {status.text}
        </span>
      )}
    </div>
  )
}
