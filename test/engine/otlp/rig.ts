import { join } from 'node:path'
import { request } from 'node:http'
import { gzipSync } from 'node:zlib'
import { createCoster } from '../../../src/engine/pricing/coster'
import { loadPriceTable } from '../../../src/engine/pricing/price-table'
import { runReport } from '../../../src/engine/query/report'
import { openStore, type Store } from '../../../src/engine/store/open-store'
import { OtlpIngest, type OtlpIngestOptions } from '../../../src/engine/otlp/ingest'
import { startOtlpReceiver, type OtlpReceiver } from '../../../src/engine/otlp/receiver'
import type { Figures } from '../../../src/shared/contract'
import { tempDir } from '../../helpers/temp'

/** A real store with the bundled price table, the OTLP ingest and a receiver on a free port. */
export interface OtlpRig {
  dir: string
  store: Store
  ingest: OtlpIngest
  receiver: OtlpReceiver
  /** Advances the ingest's clock. */
  clock: { now: number }
  close(): Promise<void>
}

export async function otlpRig(opts: Partial<OtlpIngestOptions> = {}, dbPath?: string): Promise<OtlpRig> {
  const dir = tempDir('tw-otlp-')
  const store = openStore(dbPath ?? join(dir, 'tokenwatch.db'))
  const clock = { now: Date.now() }
  const ingest = new OtlpIngest({ store, cost: createCoster(loadPriceTable()), userId: 'tester', now: () => clock.now, ...opts })
  const receiver = await startOtlpReceiver({ ingest, port: 0 })
  return {
    dir,
    store,
    ingest,
    receiver,
    clock,
    async close() {
      await receiver.close()
      store.close()
    },
  }
}

/** Totals of everything stored, as the report computes them. */
export function totals(store: Store, filter: Record<string, unknown> = {}): Figures {
  return runReport(store, { tz: 'UTC', groupBy: ['model'], ...filter }).totals
}

export interface RawReply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

/** A raw POST, so tests control Host, Origin, type and encoding exactly. */
export function post(
  port: number,
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
  method = 'POST',
): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** POSTs an OTLP/JSON body (optionally gzipped). */
export function postJson(port: number, path: string, body: unknown, gzip = false): Promise<RawReply> {
  const text = Buffer.from(JSON.stringify(body))
  return post(port, path, gzip ? gzipSync(text) : text, {
    'content-type': 'application/json',
    ...(gzip ? { 'content-encoding': 'gzip' } : {}),
  })
}

type Attr = string | number | boolean

/** OTLP/JSON attributes from a plain object (ints as intValue, other numbers as doubleValue). */
export function kv(o: Record<string, Attr>): { key: string; value: Record<string, unknown> }[] {
  return Object.entries(o).map(([key, v]) => ({
    key,
    value:
      typeof v === 'string'
        ? { stringValue: v }
        : typeof v === 'boolean'
          ? { boolValue: v }
          : Number.isInteger(v)
            ? { intValue: v }
            : { doubleValue: v },
  }))
}

/** An ExportLogsServiceRequest with one resource and these records. */
export function logsBody(
  resource: Record<string, Attr>,
  records: { attrs: Record<string, Attr>; body?: string; timeUnixNano?: string; traceId?: string; spanId?: string; eventName?: string }[],
): unknown {
  return {
    resourceLogs: [
      {
        resource: { attributes: kv(resource) },
        scopeLogs: [
          {
            scope: { name: 'test' },
            logRecords: records.map((r) => ({
              timeUnixNano: r.timeUnixNano ?? String(BigInt(Date.now()) * 1_000_000n),
              attributes: kv(r.attrs),
              ...(r.body ? { body: { stringValue: r.body } } : {}),
              ...(r.eventName ? { eventName: r.eventName } : {}),
              ...(r.traceId ? { traceId: r.traceId } : {}),
              ...(r.spanId ? { spanId: r.spanId } : {}),
            })),
          },
        ],
      },
    ],
  }
}
