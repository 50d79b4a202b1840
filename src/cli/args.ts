import { parseArgs, type ParseArgsConfig } from 'node:util'

/** A command-line mistake: printed as one line with the usage hint, exit code 2. */
export class UsageError extends Error {}

/** Parses options strictly; unknown flags are usage errors, not silently ignored. */
export function parseOptions<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
}

/** Splits repeated and comma-separated values: `--model a,b --model c` → [a, b, c]. */
export function listOption(v: string | string[] | undefined): string[] | undefined {
  if (v === undefined) return undefined
  const all = (Array.isArray(v) ? v : [v])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean)
  return all.length ? all : undefined
}
