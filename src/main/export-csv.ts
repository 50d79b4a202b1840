/**
 * CSV export through the native save dialog. The renderer sends only the query; the path comes
 * from the dialog the user answered, never from the page.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ExportResult, ReportQuery } from '../shared/contract'
import { dayKey, startOfLocalDay } from '../shared/time-zone'
import { nextLocalMidnight } from './tray'

/** The error value of a dismissed dialog. */
export const EXPORT_CANCELLED = 'Export cancelled'

/** The query behind the tray's figure: today in `tz`, by model. */
export function todayQuery(tz: string, now: number): ReportQuery {
  const day = dayKey(now, tz)
  return { tz, from: startOfLocalDay(day, tz), to: nextLocalMidnight(tz, day), groupBy: ['model'] }
}

interface SaveDialogOptions {
  title: string
  defaultPath: string
  buttonLabel: string
  filters: { name: string; extensions: string[] }[]
  properties: ('createDirectory' | 'showOverwriteConfirmation')[]
}

/** The slice of electron's `dialog` this module uses. */
export interface ExportElectron {
  dialog: {
    showSaveDialog(window: object, options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>
    showSaveDialog(options: SaveDialogOptions): Promise<{ canceled: boolean; filePath?: string }>
  }
}

export interface ExportDeps {
  electron: ExportElectron
  /** The window the dialog belongs to, if one is open. */
  parent(): object | undefined
  /** Folder the dialog opens in (the user's Downloads). */
  defaultDir: string
  /** Today's date for the suggested file name. */
  today(): string
  write?: (path: string, text: string) => Promise<void>
}

/** The `exportCsv` hook for createEngineApi: ask where, then write exactly the CSV given. */
export function setupExportCsv(deps: ExportDeps): (csv: string, rows: number) => Promise<ExportResult> {
  const write = deps.write ?? ((path: string, text: string) => writeFile(path, text, 'utf8'))
  return async (csv, rows) => {
    const options: SaveDialogOptions = {
      title: 'Export CSV',
      defaultPath: join(deps.defaultDir, `tokenwatch-${deps.today()}.csv`),
      buttonLabel: 'Export',
      filters: [{ name: 'CSV', extensions: ['csv'] }],
      properties: ['createDirectory', 'showOverwriteConfirmation'],
    }
    const parent = deps.parent()
    const choice = await (parent ? deps.electron.dialog.showSaveDialog(parent, options) : deps.electron.dialog.showSaveDialog(options))
    if (choice.canceled || !choice.filePath) return { ok: false, error: EXPORT_CANCELLED }
    try {
      await write(choice.filePath, csv)
    } catch (err) {
      return { ok: false, error: `could not save ${choice.filePath}: ${(err as Error).message}` }
    }
    return { ok: true, path: choice.filePath, rows }
  }
}
