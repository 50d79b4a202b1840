import { type JSX, type KeyboardEvent, useState } from 'react'
import { sourceDescriptor } from '../../../shared/sources'
import { LOG_FOLDER_KINDS, type AppApi, type LogFolderKind, type Settings } from '../../../shared/contract'
import type { Transport } from '../api'

function kindLabel(kind: LogFolderKind): { title: string; help: string } {
  const d = sourceDescriptor(kind)
  return { title: d.folderTitle, help: d.folderHelp }
}

/**
 * One kind's extra log folders. Changes apply at once (the engine re-scans), not on Save. On the
 * desktop a folder is added only through the native folder dialog in the main process, so the
 * page never names a path; the headless dashboard has no native dialog and takes a typed path
 * (its server runs as the same local user as the browser).
 */
function FolderList({
  kind,
  api,
  transport,
  settings,
  onSaved,
}: {
  kind: LogFolderKind
  api: AppApi
  transport: Transport
  settings: Settings
  onSaved: (s: Settings) => void
}): JSX.Element {
  const [typed, setTyped] = useState('')
  const [busy, setBusy] = useState(false)
  const [status, setStatus] = useState<{ ok: boolean; text: string }>()
  const list = settings.logFolders[kind]
  const label = kindLabel(kind)

  const run = async (action: () => Promise<{ settings: Settings; text: string } | undefined>): Promise<void> => {
    setBusy(true)
    try {
      const r = await action()
      if (r !== undefined) {
        onSaved(r.settings)
        setStatus({ ok: true, text: r.text })
      }
    } catch (err) {
      // The engine names the field (`logFolders.codex: … does not exist`); this list is that field.
      const text = err instanceof Error ? err.message : String(err)
      setStatus({ ok: false, text: text.replace(/^(arg\.)?logFolders\.[\w-]+: /, '') })
    } finally {
      setBusy(false)
    }
  }
  const remove = (index: number): Promise<void> =>
    run(async () => ({ settings: await api.removeLogFolder({ kind, index }), text: `Stopped watching ${list[index] ?? 'the folder'}.` }))
  const pick = (): Promise<void> =>
    run(async () => {
      const r = await api.addLogFolder({ kind })
      if (r.ok) return { settings: r.settings, text: `Watching ${r.path}.` }
      if (!r.cancelled) setStatus({ ok: false, text: r.error })
      return undefined
    })
  const addTyped = (): Promise<void> =>
    run(async () => {
      const path = typed.trim()
      if (path === '') {
        setStatus({ ok: false, text: 'Type the folder to watch first.' })
        return undefined
      }
      const next = await api.setSettings({ logFolders: { [kind]: [...list, path] } as Settings['logFolders'] })
      setTyped('')
      return { settings: next, text: `Watching ${path}.` }
    })
  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    // Enter adds this folder; it must not submit the settings form around it.
    if (e.key === 'Enter') {
      e.preventDefault()
      void addTyped()
    }
  }

  return (
    <fieldset className="folders" data-testid={`folders-${kind}`}>
      <legend>
        {label.title} <span className="help">{label.help}</span>
      </legend>
      {list.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="folder-list">
          {list.map((p, i) => (
            <li key={`${i}:${p}`} data-testid="folder-entry">
              <code>{p}</code>
              <button
                type="button"
                className="link danger"
                disabled={busy}
                onClick={() => void remove(i)}
                aria-label={`Stop watching ${p}`}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      {transport === 'desktop' ? (
        <button type="button" disabled={busy} onClick={() => void pick()} data-testid={`folders-${kind}-pick`}>
          Add folder…
        </button>
      ) : (
        <div className="folder-add">
          <input
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            onKeyDown={onKey}
            placeholder="/path/to/folder"
            spellCheck={false}
            aria-label={`${label.title}: folder to add`}
            data-testid={`folders-${kind}-input`}
          />
          <button type="button" disabled={busy} onClick={() => void addTyped()} data-testid={`folders-${kind}-add`}>
            Add
          </button>
        </div>
      )}
      {status !== undefined && (
        <span role="status" className={status.ok ? 'ok-text' : 'error-text'} data-testid={`folders-${kind}-status`}>
          {status.text}
        </span>
      )}
    </fieldset>
  )
}

/** Every log source's extra folders. */
export function LogFolders(props: { api: AppApi; transport: Transport; settings: Settings; onSaved: (s: Settings) => void }): JSX.Element {
  return (
    <>
      {LOG_FOLDER_KINDS.map((kind) => (
        <FolderList key={kind} kind={kind} {...props} />
      ))}
    </>
  )
}
