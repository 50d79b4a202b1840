/** What a source factory gets: the folders added for it, the environment, the home folder. */
export interface SourceSetup {
  /** Folders added in settings (or by the caller); the source adds its env var's and falls back to its defaults. */
  folders: string[]
  env: NodeJS.ProcessEnv
  home: string
}

/** A comma-separated list of paths from an env var. */
export function splitList(v: string | undefined): string[] {
  return (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
}

export const isJsonl = (p: string): boolean => p.endsWith('.jsonl')
