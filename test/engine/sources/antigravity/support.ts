/** Real Antigravity conversation databases (the tables the CLI writes), with gen_metadata blobs encoded as it encodes them. */
import Database from 'better-sqlite3'
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { FIXTURES } from '../../../helpers/temp'

const varint = (n: number): number[] => {
  const out: number[] = []
  let v = n
  while (v > 0x7f) {
    out.push((v % 128) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return out
}
const tag = (field: number, wire: number): number[] => varint(field * 8 + wire)
export const vfield = (field: number, n: number): number[] => [...tag(field, 0), ...varint(n)]
export const lfield = (field: number, bytes: number[] | string): number[] => {
  const b = typeof bytes === 'string' ? [...Buffer.from(bytes, 'utf8')] : bytes
  return [...tag(field, 2), ...varint(b.length), ...b]
}
const stamp = (field: number, ms: number): number[] => lfield(field, [...vfield(1, Math.floor(ms / 1000)), ...vfield(2, (ms % 1000) * 1e6)])

export interface Generation {
  input: number
  response: number
  thinking?: number
  cacheRead?: number
  responseId?: string
  model?: string
  display?: string
  /** The generation's own start (chatModel.#9.#4). */
  at?: number
}

/** A `gen_metadata.data` blob for a generation, laid out as in the codeburn fixture. */
export function genBlob(g: Generation): Buffer {
  const thinking = g.thinking ?? 0
  const usage = [
    ...vfield(1, 1016),
    ...vfield(2, g.input),
    ...vfield(3, g.response + thinking),
    ...(g.cacheRead ? vfield(5, g.cacheRead) : []),
    ...vfield(6, 24),
    ...vfield(9, g.response),
    ...(thinking ? vfield(10, thinking) : []),
    ...(g.responseId ? lfield(11, g.responseId) : []),
  ]
  const chat = [
    ...lfield(4, usage),
    ...(g.at !== undefined ? lfield(9, stamp(4, g.at)) : []),
    ...lfield(19, g.model ?? 'gemini-pro-default'),
    ...lfield(21, g.display ?? 'Gemini 3.1 Pro (High)'),
  ]
  return Buffer.from([...lfield(2, [2, 3]), ...lfield(4, 'conversation'), ...lfield(1, chat)])
}

/** The agent's side: one conversation database. */
export class ConversationDb {
  readonly db: Database.Database
  constructor(
    readonly path: string,
    opts: { created?: number; workspace?: string } = {},
  ) {
    mkdirSync(dirname(path), { recursive: true })
    this.db = new Database(path)
    this.db.pragma('journal_mode = WAL')
    this.db.exec('CREATE TABLE gen_metadata (idx integer, data blob, size integer NOT NULL DEFAULT 0, PRIMARY KEY (idx))')
    this.db.exec('CREATE TABLE trajectory_metadata_blob (id text DEFAULT "main", data blob, PRIMARY KEY (id))')
    if (opts.created !== undefined || opts.workspace !== undefined) {
      const blob = [
        ...(opts.workspace ? lfield(1, lfield(1, `file://${opts.workspace}`)) : []),
        ...(opts.created !== undefined ? stamp(2, opts.created) : []),
      ]
      this.db.prepare("INSERT INTO trajectory_metadata_blob (id, data) VALUES ('main', ?)").run(Buffer.from(blob))
    }
  }

  /** Writes (or rewrites in place) row `idx`. */
  put(idx: number, data: Buffer): void {
    this.db
      .prepare(
        'INSERT INTO gen_metadata (idx, data, size) VALUES (?, ?, ?) ON CONFLICT (idx) DO UPDATE SET data = excluded.data, size = excluded.size',
      )
      .run(idx, data, data.length)
  }

  /** The codeburn fixture's rows, byte for byte. */
  fixtureRows(): void {
    const fx = JSON.parse(readFileSync(join(FIXTURES, 'antigravity', 'codeburn_antigravity-cli-current_gen-metadata.json'), 'utf8')) as {
      rows: { idx: number; hex: string }[]
    }
    for (const r of fx.rows) this.put(r.idx, Buffer.from(r.hex, 'hex'))
  }

  close(): void {
    this.db.close()
  }
}
