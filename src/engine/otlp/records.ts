/**
 * Walks a decoded OTLP request into flat records: each log record, span and metric data point
 * with its resource's attributes. Two shapes arrive: the proto3 JSON mapping's objects (OTLP/JSON;
 * int64 as numbers or decimal strings, ids as hex) and protobufjs's decoded messages (OTLP/protobuf;
 * the same lowerCamelCase fields, int64 as Long, ids as bytes, a oneof's member named by its
 * `value` discriminator). Reading the messages as they are saves converting every field first.
 */

/** An attribute value as the mapping needs it; arrays and maps are kept as JSON text. */
export type Scalar = string | number | boolean

export type Attrs = Map<string, Scalar>

/** A request whose top level is not an OTLP export request; the receiver answers 400. */
export class ShapeError extends Error {}

function obj(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
}

function list(v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v)) throw new ShapeError(`${what}: must be a list`)
  return v
}

/** A 64-bit integer as a number: a JS number, a decimal string, or a Long (toString gives its decimal). */
function int64(v: unknown): number {
  return typeof v === 'object' && v !== null ? Number(String(v)) : Number(v)
}

/** The member of a protobufjs oneof that is set (its `value` discriminator), or undefined for JSON objects. */
const ONEOF_MEMBERS = new Set([
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
  'asInt',
  'asDouble',
])

function oneofMember(o: Record<string, unknown>): string | undefined {
  const m = o.value
  return typeof m === 'string' && ONEOF_MEMBERS.has(m) ? m : undefined
}

/** An AnyValue as a scalar; undefined when it is empty. */
export function anyValue(v: unknown): Scalar | undefined {
  const o = obj(v)
  if (!o) return undefined
  const member = oneofMember(o)
  if (member !== undefined) {
    // A decoded message: every member reads as its default; only the named one is set.
    const x = o[member]
    if (member === 'stringValue') return typeof x === 'string' ? x : undefined
    if (member === 'boolValue') return x === true
    if (member === 'intValue' || member === 'doubleValue') {
      const n = int64(x)
      return Number.isFinite(n) ? n : undefined
    }
    if (member === 'bytesValue') return undefined
    return JSON.stringify(x)
  }
  if (typeof o.stringValue === 'string') return o.stringValue
  if (o.intValue !== undefined && o.intValue !== null) {
    const n = Number(o.intValue)
    return Number.isFinite(n) ? n : undefined
  }
  if (o.doubleValue !== undefined && o.doubleValue !== null) {
    const n = Number(o.doubleValue)
    return Number.isFinite(n) ? n : undefined
  }
  if (typeof o.boolValue === 'boolean') return o.boolValue
  if (o.arrayValue !== undefined || o.kvlistValue !== undefined) return JSON.stringify(o.arrayValue ?? o.kvlistValue)
  return undefined
}

/** A KeyValue list as a map; the first of repeated keys wins. */
export function attributes(v: unknown): Attrs {
  const out: Attrs = new Map()
  for (const kv of list(v, 'attributes')) {
    const o = obj(kv)
    if (!o || typeof o.key !== 'string' || out.has(o.key)) continue
    const value = anyValue(o.value)
    if (value !== undefined) out.set(o.key, value)
  }
  return out
}

/** Epoch nanoseconds (decimal string or number) as epoch milliseconds, or undefined for 0/absent. */
export function nanosToMs(v: unknown): number | undefined {
  if (typeof v === 'object' && v !== null) v = String(v)
  if (typeof v === 'number') return Number.isFinite(v) && v > 0 ? Math.floor(v / 1e6) : undefined
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) {
    const ms = Number(BigInt(v) / 1_000_000n)
    return ms > 0 ? ms : undefined
  }
  return undefined
}

/** A nanosecond timestamp as a canonical decimal string ('' for absent), for keys. */
export function nanosText(v: unknown): string {
  if (typeof v === 'object' && v !== null) v = String(v)
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return BigInt(Math.round(v)).toString()
  if (typeof v === 'string' && /^\d{1,20}$/.test(v)) return BigInt(v).toString()
  return ''
}

export interface LogRec {
  resource: Attrs
  scope: string
  timeNano: string
  observedNano: string
  attrs: Attrs
  /** The record's event_name field, else its body when that is a string. */
  eventName: string
  body: Scalar | undefined
  traceId: string
  spanId: string
}

export interface SpanRec {
  resource: Attrs
  scope: string
  name: string
  kind: number
  startNano: string
  endNano: string
  attrs: Attrs
  traceId: string
  spanId: string
}

/** Sum (monotonic counter), histogram (its sum) or gauge data points. */
export type PointKind = 'sum' | 'histogram' | 'gauge'

/** OTLP AggregationTemporality: DELTA = 1, CUMULATIVE = 2. */
export const DELTA = 1
export const CUMULATIVE = 2

export interface PointRec {
  resource: Attrs
  scope: string
  metric: string
  kind: PointKind
  temporality: number
  startNano: string
  timeNano: string
  attrs: Attrs
  value: number
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : ''
}

/** A trace or span id as lower-case hex: hex text (JSON) or bytes (protobuf); '' when absent. */
function idText(v: unknown): string {
  if (typeof v === 'string') return v.toLowerCase()
  if (v instanceof Uint8Array) return v.length === 0 ? '' : Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex')
  return ''
}

function resourceOf(r: Record<string, unknown>): Attrs {
  return attributes(obj(r.resource)?.attributes)
}

/** Every log record of an ExportLogsServiceRequest. */
export function logRecords(req: Record<string, unknown>): LogRec[] {
  const out: LogRec[] = []
  for (const rl of list(req.resourceLogs, 'resourceLogs')) {
    const r = obj(rl)
    if (!r) continue
    const resource = resourceOf(r)
    for (const sl of list(r.scopeLogs, 'scopeLogs')) {
      const s = obj(sl)
      if (!s) continue
      const scope = str(obj(s.scope)?.name)
      for (const lr of list(s.logRecords, 'logRecords')) {
        const l = obj(lr)
        if (!l) continue
        const body = anyValue(l.body)
        out.push({
          resource,
          scope,
          timeNano: nanosText(l.timeUnixNano),
          observedNano: nanosText(l.observedTimeUnixNano),
          attrs: attributes(l.attributes),
          eventName: str(l.eventName) || (typeof body === 'string' && body.length <= 200 ? body : ''),
          body,
          traceId: idText(l.traceId),
          spanId: idText(l.spanId),
        })
      }
    }
  }
  return out
}

/** Every span of an ExportTraceServiceRequest. */
export function spanRecords(req: Record<string, unknown>): SpanRec[] {
  const out: SpanRec[] = []
  for (const rs of list(req.resourceSpans, 'resourceSpans')) {
    const r = obj(rs)
    if (!r) continue
    const resource = resourceOf(r)
    for (const ss of list(r.scopeSpans, 'scopeSpans')) {
      const s = obj(ss)
      if (!s) continue
      const scope = str(obj(s.scope)?.name)
      for (const sp of list(s.spans, 'spans')) {
        const p = obj(sp)
        if (!p) continue
        out.push({
          resource,
          scope,
          name: str(p.name),
          kind: Number(p.kind ?? 0),
          startNano: nanosText(p.startTimeUnixNano),
          endNano: nanosText(p.endTimeUnixNano),
          attrs: attributes(p.attributes),
          traceId: idText(p.traceId),
          spanId: idText(p.spanId),
        })
      }
    }
  }
  return out
}

function pointValue(p: Record<string, unknown>, kind: PointKind): number | undefined {
  const member = kind === 'histogram' ? undefined : oneofMember(p)
  const raw = kind === 'histogram' ? p.sum : member !== undefined ? p[member] : (p.asInt ?? p.asDouble)
  if (raw === undefined || raw === null) return undefined
  const n = int64(raw)
  return Number.isFinite(n) ? n : undefined
}

/**
 * Every number data point of an ExportMetricsServiceRequest: sums and gauges by value,
 * histograms by their `sum` (never `count`). Points without a value are left out.
 */
export function metricPoints(req: Record<string, unknown>): { points: PointRec[]; valueless: number } {
  const points: PointRec[] = []
  let valueless = 0
  for (const rm of list(req.resourceMetrics, 'resourceMetrics')) {
    const r = obj(rm)
    if (!r) continue
    const resource = resourceOf(r)
    for (const sm of list(r.scopeMetrics, 'scopeMetrics')) {
      const s = obj(sm)
      if (!s) continue
      const scope = str(obj(s.scope)?.name)
      for (const mm of list(s.metrics, 'metrics')) {
        const m = obj(mm)
        if (!m) continue
        const metric = str(m.name)
        const shapes: [PointKind, Record<string, unknown> | undefined][] = [
          ['sum', obj(m.sum)],
          ['histogram', obj(m.histogram)],
          ['gauge', obj(m.gauge)],
        ]
        for (const [kind, data] of shapes) {
          if (!data) continue
          const temporality = Number(data.aggregationTemporality ?? 0)
          for (const dp of list(data.dataPoints, 'dataPoints')) {
            const p = obj(dp)
            if (!p) continue
            const value = pointValue(p, kind)
            if (value === undefined) {
              valueless++
              continue
            }
            points.push({
              resource,
              scope,
              metric,
              kind,
              temporality,
              startNano: nanosText(p.startTimeUnixNano),
              timeNano: nanosText(p.timeUnixNano),
              attrs: attributes(p.attributes),
              value,
            })
          }
        }
      }
    }
  }
  return { points, valueless }
}
