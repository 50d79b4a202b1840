/**
 * A lean decoder of OTLP/protobuf logs requests (ExportLogsServiceRequest): one pass of a
 * protobufjs Reader over only the fields the mapping reads (records.ts), skipping the rest
 * (severity, flags, schema urls, scope versions, dropped counts) without materialising them.
 * It ends in the OTLP/JSON shape (plain objects: int64 as decimal strings, ids as hex), which
 * records.ts reads exactly as it reads the protobufjs messages (test/engine/otlp/proto-logs.test.ts
 * compares the two on the research notes' shapes). protobufjs's full decode built a message
 * object per field and a Long per timestamp and took about twice as long.
 *
 * Field numbers: opentelemetry-proto logs/v1/logs.proto, common/v1/common.proto,
 * resource/v1/resource.proto (vendored in resources/otlp-proto).
 */
import protobuf from 'protobufjs'
import { OTLP_DESCRIPTOR } from './otlp-proto'

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR)
// Arrays and key-value lists are rare in the records the mapping counts: decoded in full (as
// before) so their JSON text is the same.
const ArrayValue = root.lookupType('opentelemetry.proto.common.v1.ArrayValue')
const KeyValueList = root.lookupType('opentelemetry.proto.common.v1.KeyValueList')

/** A field whose wire type is not the one its definition has: the full decoder decides. */
export class LeanDecodeError extends Error {}

type R = protobuf.Reader

const LEN = 2
const FIXED64 = 1
const VARINT = 0

function expect(wire: number, want: number): void {
  if (wire !== want) throw new LeanDecodeError(`wire type ${wire}, expected ${want}`)
}

/** A fixed64 as its unsigned decimal text (what String(Long) gives for the full decoder's value). */
function fixed64Text(r: R): string {
  const lo = r.fixed32()
  const hi = r.fixed32()
  if (hi < 0x200000) return String(hi * 4294967296 + lo)
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString()
}

function hex(b: Uint8Array): string {
  return b.length === 0 ? '' : Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')
}

type Json = Record<string, unknown>

function anyValue(r: R, end: number): Json {
  // An AnyValue with no member set read as an empty string before (protobufjs's default).
  let v: Json = { stringValue: '' }
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    switch (t >>> 3) {
      case 1:
        expect(wire, LEN)
        v = { stringValue: r.string() }
        break
      case 2:
        expect(wire, VARINT)
        v = { boolValue: r.bool() }
        break
      case 3:
        expect(wire, VARINT)
        v = { intValue: r.int64().toString() }
        break
      case 4:
        expect(wire, FIXED64)
        v = { doubleValue: r.double() }
        break
      case 5:
        expect(wire, LEN)
        v = { arrayValue: ArrayValue.decode(r.bytes()) }
        break
      case 6:
        expect(wire, LEN)
        v = { kvlistValue: KeyValueList.decode(r.bytes()) }
        break
      case 7:
        expect(wire, LEN)
        r.skipType(wire)
        // The mapping reads no bytes values: an empty one reads as absent, as before.
        v = { bytesValue: true }
        break
      default:
        r.skipType(wire)
    }
  }
  return v
}

function keyValue(r: R, end: number): Json {
  const kv: Json = { key: '' }
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    const f = t >>> 3
    if (f === 1) {
      expect(wire, LEN)
      kv.key = r.string()
    } else if (f === 2) {
      expect(wire, LEN)
      kv.value = sub(r, end, anyValue)
    } else r.skipType(wire)
  }
  return kv
}

/** Reads a length-delimited sub-message with `read`, checking it ends inside its parent. */
function sub<T>(r: R, end: number, read: (r: R, end: number) => T): T {
  const len = r.uint32()
  const subEnd = r.pos + len
  if (subEnd > end) throw new LeanDecodeError('length past the end of its message')
  const out = read(r, subEnd)
  if (r.pos !== subEnd) throw new LeanDecodeError('sub-message overran its length')
  return out
}

/** Resource (attributes = 1) or InstrumentationScope (name = 1, attributes = 3): what the mapping reads of it. */
function resource(r: R, end: number): Json {
  const attributes: Json[] = []
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    if (t >>> 3 === 1) {
      expect(wire, LEN)
      attributes.push(sub(r, end, keyValue))
    } else r.skipType(wire)
  }
  return { attributes }
}

function scope(r: R, end: number): Json {
  let name = ''
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    if (t >>> 3 === 1) {
      expect(wire, LEN)
      name = r.string()
    } else r.skipType(wire)
  }
  return { name }
}

function logRecord(r: R, end: number): Json {
  // The full decoder's defaults: absent times read as 0, absent strings and ids as empty.
  const l: Json = { timeUnixNano: '0', observedTimeUnixNano: '0', attributes: [], eventName: '', traceId: '', spanId: '' }
  const attributes = l.attributes as Json[]
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    switch (t >>> 3) {
      case 1:
        expect(wire, FIXED64)
        l.timeUnixNano = fixed64Text(r)
        break
      case 5:
        expect(wire, LEN)
        l.body = sub(r, end, anyValue)
        break
      case 6:
        expect(wire, LEN)
        attributes.push(sub(r, end, keyValue))
        break
      case 9:
        expect(wire, LEN)
        l.traceId = hex(r.bytes())
        break
      case 10:
        expect(wire, LEN)
        l.spanId = hex(r.bytes())
        break
      case 11:
        expect(wire, FIXED64)
        l.observedTimeUnixNano = fixed64Text(r)
        break
      case 12:
        expect(wire, LEN)
        l.eventName = r.string()
        break
      default:
        r.skipType(wire)
    }
  }
  return l
}

function scopeLogs(r: R, end: number): Json {
  const s: Json = { logRecords: [] }
  const records = s.logRecords as Json[]
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    const f = t >>> 3
    if (f === 1) {
      expect(wire, LEN)
      s.scope = sub(r, end, scope)
    } else if (f === 2) {
      expect(wire, LEN)
      records.push(sub(r, end, logRecord))
    } else r.skipType(wire)
  }
  return s
}

function resourceLogs(r: R, end: number): Json {
  const out: Json = { scopeLogs: [] }
  const scopes = out.scopeLogs as Json[]
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    const f = t >>> 3
    if (f === 1) {
      expect(wire, LEN)
      out.resource = sub(r, end, resource)
    } else if (f === 2) {
      expect(wire, LEN)
      scopes.push(sub(r, end, scopeLogs))
    } else r.skipType(wire)
  }
  return out
}

/**
 * An ExportLogsServiceRequest in the OTLP/JSON shape. Throws on malformed bytes (the caller then
 * lets the full decoder give its error, so a bad body is answered as before).
 */
export function decodeLogsLean(bytes: Uint8Array): Json {
  const r = protobuf.Reader.create(bytes)
  const end = bytes.length
  const all: Json[] = []
  while (r.pos < end) {
    const t = r.uint32()
    const wire = t & 7
    if (t >>> 3 === 1) {
      expect(wire, LEN)
      all.push(sub(r, end, resourceLogs))
    } else r.skipType(wire)
  }
  return { resourceLogs: all }
}
