/**
 * How a schema's verdict reaches a user: the first problem as `path: why`, the path written as
 * the field is (`arg.groupBy[1]`, `budgets[0].amountUsd`), so a bad request or a bad settings
 * file says what to fix.
 *
 * Settings and contract arguments are checked with zod schemas (settings.ts, contract.ts). The
 * hot-path parsers (agent logs, pushed events) stay hand-written: they run per line at hundreds
 * of MiB/s and must never allocate an issue list for a well-formed record.
 */
import type { z } from 'zod'

/** Thrown by a check; caught at the edge and answered as a 400 (HTTP) or an error reply (IPC) naming `path`. */
export class Invalid extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(path === '' ? problem : `${path}: ${problem}`)
  }
}

/** `arg` + ['groupBy', 1] → `arg.groupBy[1]`. */
export function formatPath(base: string, path: readonly PropertyKey[]): string {
  let out = base
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? String(p) : `.${String(p)}`
  return out
}

/**
 * The one problem to report: an unknown field first (the likeliest typo, and it explains the
 * rest), else the first issue zod found.
 */
function firstProblem(error: z.ZodError, base: string): Invalid {
  const issues = error.issues
  const unknown = issues.find((i) => i.code === 'unrecognized_keys')
  if (unknown && unknown.code === 'unrecognized_keys') {
    // A schema may say more than zod's default ("unknown dimension (use …)").
    const why = unknown.message.startsWith('Unrecognized key') ? 'unknown field' : unknown.message
    return new Invalid(formatPath(base, [...unknown.path, unknown.keys[0] ?? '']), why)
  }
  const first = issues[0]
  if (!first) return new Invalid(base, 'is not valid')
  return new Invalid(formatPath(base, first.path), first.message)
}

/** Parses `v` with `schema`; throws Invalid naming the first bad field under `base`. */
export function check<S extends z.ZodType>(schema: S, v: unknown, base: string): z.output<S> {
  const r = schema.safeParse(v)
  if (!r.success) throw firstProblem(r.error, base)
  return r.data
}

/** The same, as a result: `{ ok: true, value }` or `{ ok: false, error: 'path: why' }`. */
export function checked<S extends z.ZodType>(
  schema: S,
  v: unknown,
  base: string,
): { ok: true; value: z.output<S> } | { ok: false; error: string } {
  const r = schema.safeParse(v)
  return r.success ? { ok: true, value: r.data } : { ok: false, error: firstProblem(r.error, base).message }
}
