/**
 * Extra log folders on the desktop: picked in the native folder dialog here in main and checked
 * before they reach the settings, so the renderer never names a path (it can only ask for a
 * dialog, or remove an entry by its index).
 */
import { resolve } from 'node:path'
import { folderProblem } from '../engine/log-folders'
import { sourceDescriptor } from '../shared/sources'
import { type AddLogFolderResult, type LogFolderKind, type Settings } from '../shared/contract'

interface OpenDialogOptions {
  title: string
  buttonLabel: string
  properties: ('openDirectory' | 'showHiddenFiles' | 'dontAddToRecent')[]
}

type OpenDialogReply = Promise<{ canceled: boolean; filePaths: string[] }>

/** The slice of electron's `dialog` this module uses. */
export interface FolderDialogElectron {
  dialog: {
    showOpenDialog(window: object, options: OpenDialogOptions): OpenDialogReply
    showOpenDialog(options: OpenDialogOptions): OpenDialogReply
  }
}

export interface LogFolderDeps {
  electron: FolderDialogElectron
  /** The window the dialog belongs to, if one is open. */
  parent(): object | undefined
  settings(): Settings
  /** Applies a settings patch (the engine saves it and re-scans). */
  update(patch: Partial<Settings>): Promise<Settings>
}

/** The dismissed dialog's error text. */
export const FOLDER_CANCELLED = 'No folder chosen'

function dialogTitle(kind: LogFolderKind): string {
  const d = sourceDescriptor(kind)
  return `Add a ${d.label} folder (${d.folderHelp})`
}

/** The `addLogFolder` contract method for the desktop: dialog, checks, then the settings. */
export function setupLogFolders(deps: LogFolderDeps): (arg: { kind: LogFolderKind }) => Promise<AddLogFolderResult> {
  return async ({ kind }) => {
    const options: OpenDialogOptions = {
      title: dialogTitle(kind),
      buttonLabel: 'Watch this folder',
      properties: ['openDirectory', 'showHiddenFiles', 'dontAddToRecent'],
    }
    const parent = deps.parent()
    const choice = await (parent ? deps.electron.dialog.showOpenDialog(parent, options) : deps.electron.dialog.showOpenDialog(options))
    const picked = choice.filePaths[0]
    if (choice.canceled || picked === undefined) return { ok: false, cancelled: true, error: FOLDER_CANCELLED }
    const path = resolve(picked)
    const list = deps.settings().logFolders[kind]
    const problem = folderProblem(path, list)
    if (problem !== undefined) return { ok: false, cancelled: false, error: problem }
    const settings = await deps.update({ logFolders: { [kind]: [...list, path] } as Settings['logFolders'] })
    return { ok: true, path, settings }
  }
}

/**
 * The `pickMachinesFolder` contract method for the desktop: the native dialog, then the folder
 * (absolute, there, a folder) becomes `machinesFolder`, where this machine writes its file.
 */
export function setupMachinesFolder(deps: LogFolderDeps): () => Promise<AddLogFolderResult> {
  return async () => {
    const options: OpenDialogOptions = {
      title: 'My machines: a folder Syncthing, Dropbox, iCloud Drive or a share mirrors',
      buttonLabel: 'Use this folder',
      properties: ['openDirectory', 'showHiddenFiles', 'dontAddToRecent'],
    }
    const parent = deps.parent()
    const choice = await (parent ? deps.electron.dialog.showOpenDialog(parent, options) : deps.electron.dialog.showOpenDialog(options))
    const picked = choice.filePaths[0]
    if (choice.canceled || picked === undefined) return { ok: false, cancelled: true, error: FOLDER_CANCELLED }
    const path = resolve(picked)
    const problem = folderProblem(path, [])
    if (problem !== undefined) return { ok: false, cancelled: false, error: problem }
    const settings = await deps.update({ machinesFolder: path })
    return { ok: true, path, settings }
  }
}
