/** Field schemas shared by the settings and the contract's arguments, each with the words a user reads. */
import { z } from 'zod'
import { isValidTimeZone } from '../../shared/time-zone'

export const text = (): z.ZodString => z.string({ error: 'must be a string' })

export const nonEmptyText = (): z.ZodString => text().min(1, { error: 'must not be empty' })

export const finite = (): z.ZodNumber => z.number({ error: 'must be a finite number' })

export const atLeast = (min: number): z.ZodNumber => finite().min(min, { error: `must be at least ${min}` })

export const flag = (): z.ZodBoolean => z.boolean({ error: 'must be true or false' })

export const textList = (): z.ZodArray<z.ZodString> => z.array(text(), { error: 'must be an array of strings' })

/** One of `values`; anything else is an "unknown <what>". */
export function oneOf<const T extends string>(values: readonly T[], what: string) {
  return z.enum(values as readonly [T, ...T[]], { error: (iss) => `unknown ${what} ${JSON.stringify(iss.input)}` })
}

/** An IANA zone this runtime knows (`''`, the system zone, is not one: see `settingsZone`). */
export const timeZone = () => nonEmptyText().refine(isValidTimeZone, { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}` })

/** A zone or `''` (the system's), as settings keep it. */
export const settingsZone = () =>
  text().refine((v) => v === '' || isValidTimeZone(v), { error: (iss) => `unknown time zone ${JSON.stringify(iss.input)}` })

/** True when a list names the same value twice. */
export const hasDuplicates = (list: readonly unknown[]): boolean => new Set(list).size !== list.length

/**
 * An object with exactly these (optional or required) fields: another field is an error
 * ("unknown field", or `unknownField`), and so is anything that is not an object.
 */
export function record<S extends z.core.$ZodLooseShape>(shape: S, unknownField?: (key: string) => string) {
  return z.strictObject(shape, {
    error: (iss) => (iss.code === 'unrecognized_keys' ? (unknownField?.(iss.keys[0] ?? '') ?? 'unknown field') : 'must be an object'),
  })
}
