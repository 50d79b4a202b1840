/**
 * A minimal protobuf wire-format reader for Antigravity's `gen_metadata` blobs: no schema ships
 * with the app, so fields are read by number. Untrusted input: a truncated or malformed message
 * yields `undefined`, never an exception.
 */

export interface ProtoField {
  field: number
  /** Varint value (wire type 0); NaN when it does not fit a safe integer. */
  value?: number
  /** Length-delimited payload (wire type 2). */
  bytes?: Uint8Array
}

function varint(buf: Uint8Array, at: number): { value: number; next: number } | undefined {
  let value = 0
  let scale = 1
  for (let i = at; i < buf.length && i < at + 10; i++) {
    const b = buf[i] as number
    value += (b & 0x7f) * scale
    scale *= 128
    if ((b & 0x80) === 0) return { value: Number.isSafeInteger(value) ? value : Number.NaN, next: i + 1 }
  }
  return undefined
}

/** The fields of one message, in order; undefined when the bytes are not a well-formed message. */
export function parseMessage(buf: Uint8Array): ProtoField[] | undefined {
  const out: ProtoField[] = []
  let at = 0
  while (at < buf.length) {
    const key = varint(buf, at)
    if (!key || Number.isNaN(key.value)) return undefined
    const field = Math.floor(key.value / 8)
    const wire = key.value % 8
    if (field <= 0) return undefined
    at = key.next
    if (wire === 0) {
      const v = varint(buf, at)
      if (!v) return undefined
      out.push({ field, value: v.value })
      at = v.next
    } else if (wire === 2) {
      const len = varint(buf, at)
      if (!len || Number.isNaN(len.value) || len.next + len.value > buf.length) return undefined
      out.push({ field, bytes: buf.subarray(len.next, len.next + len.value) })
      at = len.next + len.value
    } else if (wire === 1) {
      if (at + 8 > buf.length) return undefined
      out.push({ field, bytes: buf.subarray(at, at + 8) })
      at += 8
    } else if (wire === 5) {
      if (at + 4 > buf.length) return undefined
      out.push({ field, bytes: buf.subarray(at, at + 4) })
      at += 4
    } else {
      return undefined
    }
  }
  return out
}

export function first(fields: readonly ProtoField[] | undefined, field: number): ProtoField | undefined {
  return fields?.find((f) => f.field === field)
}

/** A nested message field, parsed. */
export function message(fields: readonly ProtoField[] | undefined, field: number): ProtoField[] | undefined {
  const b = first(fields, field)?.bytes
  return b ? parseMessage(b) : undefined
}

const decoder = new TextDecoder('utf-8', { fatal: true })

/** A string field: valid UTF-8 without control characters, else undefined. */
export function text(fields: readonly ProtoField[] | undefined, field: number): string | undefined {
  const b = first(fields, field)?.bytes
  if (!b || b.length === 0) return undefined
  try {
    const s = decoder.decode(b)
    // eslint-disable-next-line no-control-regex
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(s) ? undefined : s
  } catch {
    return undefined
  }
}

/** A varint field: 0 when absent, NaN when not a safe integer. */
export function uint(fields: readonly ProtoField[] | undefined, field: number): number {
  const f = first(fields, field)
  return f?.value ?? 0
}

/** A `google.protobuf.Timestamp` message field (seconds #1, nanos #2) as epoch ms; NaN when absent. */
export function timestamp(fields: readonly ProtoField[] | undefined, field: number): number {
  const ts = message(fields, field)
  const seconds = first(ts, 1)?.value
  if (seconds === undefined || Number.isNaN(seconds) || seconds <= 0) return Number.NaN
  return seconds * 1000 + Math.floor((first(ts, 2)?.value ?? 0) / 1e6)
}
