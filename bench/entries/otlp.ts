/**
 * Entry bundled by bench/suites/otlp.mjs: `node otlp.cjs <home>` runs the OTLP receiver alone (a
 * store, the bundled price table, the OTLP ingest, the HTTP receiver on a free loopback port) and
 * prints `{"port":…,"db":…}` once listening; SIGTERM closes it. `encode` (the other export) turns
 * an OTLP/JSON logs request into protobuf with the same definitions, for the client side.
 */
import { join } from 'node:path'
import protobuf from 'protobufjs'
import { createCoster } from '../../src/engine/pricing/coster'
import { loadPriceTable } from '../../src/engine/pricing/price-table'
import { openStore } from '../../src/engine/store/open-store'
import { OtlpIngest } from '../../src/engine/otlp/ingest'
import { startOtlpReceiver } from '../../src/engine/otlp/receiver'
import { OTLP_DESCRIPTOR } from '../../src/engine/otlp/otlp-proto'

/** An OTLP/JSON ExportLogsServiceRequest as protobuf bytes (trace and span ids left out). */
export function encodeLogs(body: unknown): Uint8Array {
  const type = protobuf.Root.fromJSON(OTLP_DESCRIPTOR).lookupType('opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest')
  return type.encode(type.fromObject(body as Record<string, unknown>)).finish()
}

async function main(home: string): Promise<void> {
  const db = join(home, 'tokenwatch.db')
  const store = openStore(db)
  const ingest = new OtlpIngest({ store, cost: createCoster(loadPriceTable()), userId: 'bench' })
  const receiver = await startOtlpReceiver({ ingest, port: 0 })
  process.stdout.write(`${JSON.stringify({ port: receiver.port, db })}\n`)
  process.once('SIGTERM', () => {
    void receiver.close().then(() => {
      store.close()
      process.exit(0)
    })
  })
}

if (process.argv[2] && require.main === module) void main(process.argv[2])
