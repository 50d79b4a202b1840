/**
 * OTLP request decoding and response encoding with protobufjs and the official OTLP definitions
 * (vendored in resources/otlp-proto, compiled to ./otlp-proto.ts by scripts/otlp-proto.mjs).
 * Both encodings end in the same shape: the proto3 JSON mapping's lowerCamelCase objects.
 */
import protobuf from 'protobufjs'
import { OTLP_DESCRIPTOR } from './otlp-proto'
import { decodeLogsLean } from './proto-logs'

/** The three OTLP/HTTP signals, by path. */
export type OtlpSignal = 'logs' | 'metrics' | 'traces'

export const SIGNAL_PATHS: Record<string, OtlpSignal> = { '/v1/logs': 'logs', '/v1/metrics': 'metrics', '/v1/traces': 'traces' }

const root = protobuf.Root.fromJSON(OTLP_DESCRIPTOR)

const PKG: Record<OtlpSignal, string> = {
  logs: 'opentelemetry.proto.collector.logs.v1.ExportLogs',
  metrics: 'opentelemetry.proto.collector.metrics.v1.ExportMetrics',
  traces: 'opentelemetry.proto.collector.trace.v1.ExportTrace',
}

const requestTypes = Object.fromEntries(
  (Object.keys(PKG) as OtlpSignal[]).map((s) => [s, root.lookupType(`${PKG[s]}ServiceRequest`)]),
) as Record<OtlpSignal, protobuf.Type>
const responseTypes = Object.fromEntries(
  (Object.keys(PKG) as OtlpSignal[]).map((s) => [s, root.lookupType(`${PKG[s]}ServiceResponse`)]),
) as Record<OtlpSignal, protobuf.Type>

/**
 * google.rpc.Status (google/rpc/status.proto: `int32 code = 1; string message = 2; repeated
 * google.protobuf.Any details = 3`), the body OTLP requires on 4xx/5xx; details are never sent.
 */
const statusType = new protobuf.Type('Status').add(new protobuf.Field('code', 1, 'int32')).add(new protobuf.Field('message', 2, 'string'))
new protobuf.Root().define('google.rpc').add(statusType)

/** The field each signal's partial success counts rejections in. */
const REJECTED_FIELD: Record<OtlpSignal, string> = { logs: 'rejectedLogRecords', metrics: 'rejectedDataPoints', traces: 'rejectedSpans' }

/** Decodes a binary OTLP request into protobufjs messages (records.ts reads them), or says why it cannot. */
export function decodeProtobuf(
  signal: OtlpSignal,
  bytes: Uint8Array,
): { ok: true; value: Record<string, unknown> } | { ok: false; error: string } {
  if (signal === 'logs') {
    // Only the fields the mapping reads (proto-logs.ts); a body it cannot read goes to the full
    // decoder below, which gives the error (or reads what the lean pass refused to guess at).
    try {
      return { ok: true, value: decodeLogsLean(bytes) }
    } catch {
      // fall through
    }
  }
  let msg: protobuf.Message
  try {
    msg = requestTypes[signal].decode(bytes)
  } catch (e) {
    return {
      ok: false,
      error: `not a protobuf Export${signal === 'traces' ? 'Trace' : signal === 'logs' ? 'Logs' : 'Metrics'}ServiceRequest: ${(e as Error).message}`,
    }
  }
  // Read as decoded (records.ts reads messages and JSON objects alike): converting every field
  // with toObject first took two thirds of the time.
  return { ok: true, value: msg as unknown as Record<string, unknown> }
}

/** The success body: an empty Export*ServiceResponse, or one with partial_success set. */
export function encodeSuccess(signal: OtlpSignal, protobufBody: boolean, rejected: number, errorMessage: string): Buffer {
  const partial = rejected > 0 ? { [REJECTED_FIELD[signal]]: rejected, errorMessage } : undefined
  if (!protobufBody) {
    // int64 is a decimal string in OTLP/JSON.
    const json = partial ? { partialSuccess: { [REJECTED_FIELD[signal]]: String(rejected), errorMessage } } : {}
    return Buffer.from(JSON.stringify(json))
  }
  const type = responseTypes[signal]
  return Buffer.from(type.encode(type.fromObject(partial ? { partialSuccess: partial } : {})).finish())
}

/** A 4xx/5xx body: google.rpc.Status in the request's encoding. */
export function encodeStatus(protobufBody: boolean, code: number, message: string): Buffer {
  if (!protobufBody) return Buffer.from(JSON.stringify({ code, message }))
  return Buffer.from(statusType.encode(statusType.fromObject({ code, message })).finish())
}

/** Decodes a Status body (tests read the receiver's refusals with it). */
export function decodeStatus(bytes: Uint8Array): { code: number; message: string } {
  return statusType.toObject(statusType.decode(bytes), { defaults: true }) as { code: number; message: string }
}

/** Decodes a success body (tests read partial successes with it). */
export function decodeResponse(signal: OtlpSignal, bytes: Uint8Array): Record<string, unknown> {
  const type = responseTypes[signal]
  return type.toObject(type.decode(bytes), { longs: Number }) as Record<string, unknown>
}
