// Deterministic generator of a mixed tree: several agents' logs and databases side by side, for
// the backfill benchmark's mixed run (bench/suites/mixed.mjs).
//
//   generateMixedTree(dir, { bytes, seed }) -> manifest (per source: exact expected totals, files, bytes)
//
// Half the bytes are a Claude Code tree (bench/gen-claude-tree.mjs); the other half is shared by
// Gemini CLI chats (JSONL streams, records re-appended as they grow), pi and OpenClaw transcripts
// (OpenClaw with reset copies), Codebuff chat documents, OpenCode's, Hermes' and ZCode's SQLite
// databases (WAL, rows completed in place), Cursor's state.vscdb with a usage-export CSV that
// covers some of its days (the CSV replaces those days), Droid's running-total settings files
// (with archived copies), Goose's sessions.db, Antigravity's conversation databases and Cline /
// Roo Code / Kilo Code task folders. A source's `ccusage` totals are what ccusage 20.0.24 shows for
// it where that differs (null: it does not read the source). Each record carries a few KB of text, as
// real ones do. Expected totals are those of the readers' rules in docs/SOURCES.md.
//
// CLI: node bench/gen-mixed-tree.mjs <dir> [--size 64MiB] [--seed 1]

import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { generateClaudeTree, makeRng, parseSize } from './gen-claude-tree.mjs'

export const MIXED_GENERATOR_VERSION = 3
const require = createRequire(import.meta.url)
const DAY = 86_400_000
const T0 = Date.UTC(2026, 5, 1)

const empty = () => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0, requests: 0 })
function add(t, u) {
  t.input += u.input
  t.output += u.output
  t.cacheRead += u.cacheRead ?? 0
  t.cacheWrite += u.cacheWrite ?? 0
  t.requests++
}

/** Filler text of about n bytes (words from a small vocabulary). */
function text(rng, n) {
  const words = [
    'the',
    'file',
    'function',
    'return',
    'value',
    'error',
    'test',
    'import',
    'const',
    'data',
    'user',
    'update',
    'config',
    'build',
  ]
  let s = ''
  while (s.length < n) s += words[rng.u32() % words.length] + ' '
  return s
}

const int = (rng, lo, hi) => lo + (rng.u32() % (hi - lo + 1))
const iso = (ms) => new Date(ms).toISOString()

export function generateMixedTree(dir, { bytes = 64 * 1024 * 1024, seed = 1 } = {}) {
  const Database = require('better-sqlite3')
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { recursive: true })
  const rng = makeRng(`mixed-tree:${seed}`)
  const claude = generateClaudeTree(path.join(dir, 'claude'), { bytes: Math.floor(bytes / 2), seed })
  const sources = {
    'claude-code': {
      env: { CLAUDE_CONFIG_DIR: path.join(dir, 'claude') },
      totals: { ...claude.totals },
      files: claude.files,
      bytes: claude.bytes,
    },
  }
  delete sources['claude-code'].totals.totalTokens
  const budget = Math.floor(bytes / 2 / 12) // bytes per other agent
  const src = (id, env) => (sources[id] = { env, totals: empty(), files: 0, bytes: 0 })
  const written = (id, p) => {
    sources[id].files++
    sources[id].bytes += fs.statSync(p).size
  }
  const tokens = () => ({
    input: int(rng, 1, 3000),
    output: int(rng, 1, 900),
    cacheRead: int(rng, 0, 60_000),
    cacheWrite: int(rng, 0, 4000),
  })

  // ---- Gemini CLI: JSONL streams; each message appended without tokens, then again with them.
  {
    const home = path.join(dir, 'gemini')
    src('gemini-cli', { GEMINI_CLI_HOME: home })
    let size = 0
    for (let f = 0; size < budget; f++) {
      const chats = path.join(home, 'tmp', `proj-${f % 5}`, 'chats')
      fs.mkdirSync(chats, { recursive: true })
      const sid = `g${f}`
      let out = JSON.stringify({ sessionId: sid, projectHash: 'h', startTime: iso(T0), kind: 'main' }) + '\n'
      for (let m = 0; m < 60; m++) {
        const ts = iso(T0 + f * 3_600_000 + m * 60_000)
        const u = tokens()
        const t = {
          input: u.input + u.cacheRead,
          output: u.output,
          cached: u.cacheRead,
          thoughts: 0,
          tool: 0,
          total: u.input + u.cacheRead + u.output,
        }
        out += JSON.stringify({ id: `m${m}`, timestamp: ts, type: 'user', content: text(rng, 600) }) + '\n'
        out += JSON.stringify({ id: `a${m}`, timestamp: ts, type: 'gemini', content: text(rng, 1500), model: 'gemini-2.5-pro' }) + '\n'
        out +=
          JSON.stringify({ id: `a${m}`, timestamp: ts, type: 'gemini', content: text(rng, 1500), model: 'gemini-2.5-pro', tokens: t }) +
          '\n'
        add(sources['gemini-cli'].totals, { input: u.input, output: u.output, cacheRead: u.cacheRead })
      }
      const p = path.join(chats, `session-${sid}.jsonl`)
      fs.writeFileSync(p, out)
      written('gemini-cli', p)
      size += out.length
    }
  }

  // ---- pi and OpenClaw: pi transcripts (OpenClaw keeps a reset copy of some sessions).
  for (const id of ['pi', 'openclaw']) {
    const root = path.join(dir, id)
    src(id, id === 'pi' ? { PI_AGENT_DIR: root } : { OPENCLAW_DIR: root })
    let size = 0
    for (let f = 0; size < budget; f++) {
      const folder = id === 'pi' ? path.join(root, `--w-p${f % 6}--`) : path.join(root, 'agents', `agent${f % 3}`, 'sessions')
      fs.mkdirSync(folder, { recursive: true })
      let out = JSON.stringify({ type: 'session', version: 3, id: `${id}${f}`, timestamp: iso(T0), cwd: `/w/p${f % 6}` }) + '\n'
      if (id === 'openclaw') out += JSON.stringify({ type: 'model_change', provider: 'anthropic', modelId: 'claude-sonnet-4-5' }) + '\n'
      for (let m = 0; m < 50; m++) {
        const ts = iso(T0 + f * 3_000_000 + m * 45_000)
        const u = tokens()
        out +=
          JSON.stringify({
            type: 'message',
            id: `u${f}-${m}`,
            timestamp: ts,
            message: { role: 'user', content: [{ type: 'text', text: text(rng, 800) }] },
          }) + '\n'
        out +=
          JSON.stringify({
            type: 'message',
            id: `a${f}-${m}`,
            timestamp: ts,
            message: {
              role: 'assistant',
              content: [{ type: 'text', text: text(rng, 2500) }],
              model: 'claude-sonnet-4-5',
              usage: {
                input: u.input,
                output: u.output,
                cacheRead: u.cacheRead,
                cacheWrite: u.cacheWrite,
                totalTokens: u.input + u.output + u.cacheRead + u.cacheWrite,
              },
            },
          }) + '\n'
        add(sources[id].totals, u)
      }
      const name = id === 'pi' ? `2026-06-01T00-00-00-000Z_${id}${f}.jsonl` : `${id}${f}.jsonl`
      const p = path.join(folder, name)
      fs.writeFileSync(p, out)
      written(id, p)
      size += out.length
      if (id === 'openclaw' && f % 4 === 0) {
        const copy = path.join(folder, `${name}.reset.2026-06-02T00-00-00.000Z`)
        fs.writeFileSync(copy, out)
        written(id, copy)
        size += out.length
      }
    }
  }

  // ---- Codebuff: chat-messages.json documents.
  {
    const root = path.join(dir, 'manicode')
    src('codebuff', { CODEBUFF_DATA_DIR: root })
    let size = 0
    for (let c = 0; size < budget; c++) {
      const chat = path.join(root, 'projects', `proj${c % 4}`, 'chats', `${iso(T0 + c * 7_200_000).replace(/:/g, '-')}`)
      fs.mkdirSync(chat, { recursive: true })
      const msgs = []
      for (let m = 0; m < 40; m++) {
        const u = tokens()
        msgs.push({ variant: 'user', text: text(rng, 700) })
        msgs.push({
          id: `m${m}`,
          variant: 'ai',
          timestamp: iso(T0 + c * 7_200_000 + m * 60_000),
          text: text(rng, 2200),
          metadata: {
            model: 'claude-sonnet-4-5',
            usage: {
              inputTokens: u.input,
              outputTokens: u.output,
              cacheReadInputTokens: u.cacheRead,
              cacheCreationInputTokens: u.cacheWrite,
            },
          },
        })
        add(sources.codebuff.totals, u)
      }
      const p = path.join(chat, 'chat-messages.json')
      const s = JSON.stringify(msgs)
      fs.writeFileSync(p, s)
      written('codebuff', p)
      size += s.length
    }
  }

  // ---- databases: OpenCode (messages), Hermes (session running totals), ZCode (model_usage), Cursor.
  const wal = (p) => {
    fs.mkdirSync(path.dirname(p), { recursive: true })
    const db = new Database(p)
    db.pragma('journal_mode = WAL')
    return db
  }
  {
    const dataHome = path.join(dir, 'share')
    src('opencode', { XDG_DATA_HOME: dataHome })
    const p = path.join(dataHome, 'opencode', 'opencode.db')
    const db = wal(p)
    db.exec(`CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT NOT NULL, time_created INTEGER, time_updated INTEGER);
      CREATE TABLE message (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, time_created INTEGER NOT NULL, time_updated INTEGER NOT NULL, data TEXT NOT NULL);`)
    const ins = db.prepare('INSERT INTO message VALUES (?, ?, ?, ?, ?)')
    db.transaction(() => {
      let size = 0
      for (let i = 0; size < budget; i++) {
        const sid = `ses${Math.floor(i / 100)}`
        if (i % 100 === 0) db.prepare('INSERT INTO session VALUES (?, ?, 0, 0)').run(sid, `/w/oc${i % 3}`)
        const u = tokens()
        const t = T0 + i * 30_000
        const data = JSON.stringify({
          role: 'assistant',
          modelID: 'claude-sonnet-4-5',
          providerID: 'anthropic',
          cost: 0,
          summary: text(rng, 1500),
          tokens: { input: u.input, output: u.output, reasoning: 0, cache: { read: u.cacheRead, write: u.cacheWrite } },
          time: { created: t, completed: t + 1000 },
        })
        ins.run(`msg${String(i).padStart(7, '0')}`, sid, t, t + 1000, data)
        add(sources.opencode.totals, u)
        size += data.length
      }
    })()
    db.close()
    written('opencode', p)
  }
  {
    const home = path.join(dir, 'hermes')
    src('hermes', { HERMES_HOME: home })
    const p = path.join(home, 'state.db')
    const db = wal(p)
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, model TEXT, billing_provider TEXT, message_count INTEGER DEFAULT 0, cwd TEXT, input_tokens INTEGER DEFAULT 0, output_tokens INTEGER DEFAULT 0,
      cache_read_tokens INTEGER DEFAULT 0, cache_write_tokens INTEGER DEFAULT 0, reasoning_tokens INTEGER DEFAULT 0, estimated_cost_usd REAL,
      actual_cost_usd REAL, started_at REAL, ended_at REAL, title TEXT); CREATE TABLE messages (id INTEGER PRIMARY KEY, session_id TEXT, role TEXT, content TEXT, timestamp REAL);`)
    db.transaction(() => {
      let size = 0
      for (let i = 0; size < budget; i++) {
        const u = tokens()
        db.prepare(
          'INSERT INTO sessions (id, model, cwd, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, started_at, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          `h${i}`,
          'claude-sonnet-4-5',
          `/w/h${i % 3}`,
          u.input * 20,
          u.output * 20,
          u.cacheRead * 20,
          u.cacheWrite * 20,
          (T0 + i * 600_000) / 1000,
          `session ${i}`,
        )
        add(sources.hermes.totals, {
          input: u.input * 20,
          output: u.output * 20,
          cacheRead: u.cacheRead * 20,
          cacheWrite: u.cacheWrite * 20,
        })
        // The session's messages (not read: the totals are on the session row).
        for (let m = 0; m < 20; m++) {
          const c = text(rng, 1200)
          db.prepare('INSERT INTO messages (session_id, role, content, timestamp) VALUES (?, ?, ?, ?)').run(
            `h${i}`,
            m % 2 ? 'assistant' : 'user',
            c,
            (T0 + i * 600_000) / 1000 + m,
          )
          size += c.length
        }
      }
    })()
    db.close()
    written('hermes', p)
  }
  {
    const home = path.join(dir, 'zcode')
    src('zcode', { ZCODE_HOME: home })
    const p = path.join(home, 'cli', 'db', 'db.sqlite')
    const db = wal(p)
    db.exec(`CREATE TABLE session (id TEXT PRIMARY KEY, directory TEXT NOT NULL, version INTEGER);
      CREATE TABLE model_usage (id TEXT PRIMARY KEY, session_id TEXT NOT NULL, model_id TEXT NOT NULL, status TEXT NOT NULL, input_tokens INTEGER, output_tokens INTEGER,
        cache_creation_input_tokens INTEGER, cache_read_input_tokens INTEGER, computed_total_tokens INTEGER, provider_metadata_json TEXT, started_at INTEGER NOT NULL, completed_at INTEGER);`)
    db.transaction(() => {
      let size = 0
      for (let i = 0; size < budget; i++) {
        if (i % 200 === 0) db.prepare('INSERT INTO session VALUES (?, ?, 1)').run(`zs${i / 200}`, `/w/z${i % 3}`)
        const u = tokens()
        const status = i % 17 === 0 ? 'error' : 'completed'
        const meta = JSON.stringify({ note: text(rng, 1500) })
        db.prepare('INSERT INTO model_usage VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
          `mu${i}`,
          `zs${Math.floor(i / 200)}`,
          'glm-4.6',
          status,
          u.input + u.cacheRead + u.cacheWrite,
          u.output,
          u.cacheWrite,
          u.cacheRead,
          u.input + u.cacheRead + u.cacheWrite + u.output,
          meta,
          T0 + i * 20_000,
          T0 + i * 20_000 + 900,
        )
        if (status === 'completed') add(sources.zcode.totals, u)
        size += meta.length
      }
    })()
    db.close()
    written('zcode', p)
  }
  {
    const data = path.join(dir, 'Cursor')
    const imports = path.join(dir, 'tw-imports', 'cursor-usage')
    src('cursor', { CURSOR_DATA_DIR: data })
    sources.cursor.importDir = imports
    const p = path.join(data, 'User', 'globalStorage', 'state.vscdb')
    fs.mkdirSync(path.dirname(p), { recursive: true })
    const db = new Database(p)
    db.exec(
      'CREATE TABLE ItemTable (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB); CREATE TABLE cursorDiskKV (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB);',
    )
    let days = 0
    db.transaction(() => {
      let size = 0
      for (let i = 0; size < budget; i++) {
        const at = T0 + i * 600_000
        days = Math.floor((at - T0) / DAY) + 1
        const u = { input: int(rng, 1, 4000), output: int(rng, 0, 900) }
        const v = JSON.stringify({
          bubbleId: `b${i}`,
          type: 2,
          createdAt: iso(at),
          requestId: `r${i}`,
          modelInfo: { modelName: 'gpt-5.5' },
          tokenCount: { inputTokens: u.input, outputTokens: u.output },
          text: text(rng, 2500),
        })
        db.prepare('INSERT INTO cursorDiskKV VALUES (?, ?)').run(`bubbleId:c${i % 9}:b${i}`, v)
        // Days 0 and 1 are covered by the export below: their bubbles do not count.
        if (at >= T0 + 2 * DAY && u.input + u.output > 0) add(sources.cursor.totals, { input: u.input, output: u.output })
        size += v.length
      }
    })()
    db.close()
    written('cursor', p)
    fs.mkdirSync(imports, { recursive: true })
    const lines = ['Date,Kind,Model,Max Mode,Input (w/ Cache Write),Input (w/o Cache Write),Cache Read,Output Tokens,Total Tokens,Cost']
    for (let k = 0; k < 2 * 24 * 20; k++) {
      const u = tokens()
      lines.push(
        `"${iso(T0 + k * 180_000)}","Included","auto","No","${u.cacheWrite}","${u.input}","${u.cacheRead}","${u.output}","${u.input + u.cacheWrite + u.cacheRead + u.output}","0.02"`,
      )
      add(sources.cursor.totals, u)
    }
    const csv = path.join(imports, 'usage-events.csv')
    fs.writeFileSync(csv, lines.join('\n') + '\n')
    written('cursor', csv)
    sources.cursor.days = days
  }

  // ---- Droid: one running-total settings file per session (a sidecar transcript beside it); some
  // sessions also have an archived copy holding an older snapshot, which must add nothing.
  {
    const root = path.join(dir, 'droid')
    src('droid', { DROID_SESSIONS_DIR: root })
    let size = 0
    for (let f = 0; size < budget; f++) {
      const folder = path.join(root, `-w-p${f % 5}`)
      fs.mkdirSync(folder, { recursive: true })
      const u = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 }
      let older
      for (let k = 0; k < 30; k++) {
        const t = tokens()
        for (const b of Object.keys(u)) u[b] += t[b]
        if (k === 10) older = { ...u }
      }
      const settings = (x) =>
        JSON.stringify({
          model: 'claude-sonnet-4-5',
          providerLock: 'anthropic',
          tokenUsage: {
            inputTokens: x.input,
            outputTokens: x.output,
            cacheCreationTokens: x.cacheWrite,
            cacheReadTokens: x.cacheRead,
            thinkingTokens: 0,
          },
        })
      const side = path.join(folder, `d${f}.jsonl`)
      const transcript =
        JSON.stringify({ type: 'session_start', id: `d${f}`, cwd: `/w/p${f % 5}` }) +
        '\n' +
        JSON.stringify({
          type: 'message',
          id: 'a1',
          message: { role: 'assistant', content: [{ type: 'text', text: text(rng, 40_000) }] },
        }) +
        '\n'
      fs.writeFileSync(side, transcript)
      const p = path.join(folder, `d${f}.settings.json`)
      fs.writeFileSync(p, settings(u))
      const at = new Date(T0 + f * 7_200_000 + 3_600_000)
      fs.utimesSync(p, at, at)
      written('droid', p)
      if (f % 4 === 1) {
        // The archived copy is the older one (ccusage keeps whichever copy is dated last).
        const a = path.join(root, 'archive', `d${f}.settings.json`)
        fs.mkdirSync(path.dirname(a), { recursive: true })
        fs.writeFileSync(a, settings(older))
        fs.utimesSync(a, new Date(T0 + f * 7_200_000), new Date(T0 + f * 7_200_000))
        written('droid', a)
      }
      add(sources.droid.totals, u)
      size += transcript.length
    }
  }

  // ---- Goose: sessions.db, one row of running totals per session (and its messages).
  {
    const root = path.join(dir, 'goose')
    src('goose', { GOOSE_PATH_ROOT: root })
    const p = path.join(root, 'data', 'sessions', 'sessions.db')
    fs.mkdirSync(path.dirname(p), { recursive: true })
    const db = new Database(p)
    db.pragma('journal_mode = WAL')
    db.exec(`CREATE TABLE sessions (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '', working_dir TEXT NOT NULL, created_at TIMESTAMP, updated_at TIMESTAMP,
        total_tokens INTEGER, input_tokens INTEGER, output_tokens INTEGER, accumulated_total_tokens INTEGER, accumulated_input_tokens INTEGER,
        accumulated_output_tokens INTEGER, provider_name TEXT, model_config_json TEXT);
      CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, message_id TEXT, session_id TEXT NOT NULL, role TEXT NOT NULL, content_json TEXT NOT NULL, created_timestamp INTEGER NOT NULL);`)
    const stamp = (ms) => iso(ms).slice(0, 19).replace('T', ' ')
    const session = db.prepare("INSERT INTO sessions VALUES (?, '', ?, ?, ?, ?, ?, ?, ?, ?, ?, 'openai', '{\"model_name\":\"gpt-5\"}')")
    const message = db.prepare(
      'INSERT INTO messages (message_id, session_id, role, content_json, created_timestamp) VALUES (?, ?, ?, ?, ?)',
    )
    db.transaction(() => {
      let size = 0
      for (let i = 0; size < budget; i++) {
        const id = `20260601_${i}`
        const t = T0 + i * 600_000
        let input = 0
        let output = 0
        for (let m = 0; m < 20; m++) {
          const u = tokens()
          input += u.input + u.cacheRead
          output += u.output
          const body = JSON.stringify([{ type: 'text', text: text(rng, 1200) }])
          message.run(`m${m}`, id, 'assistant', body, Math.floor(t / 1000) + m)
          size += body.length
        }
        session.run(id, `/w/g${i % 4}`, stamp(t), stamp(t + 19_000), input + output, 0, 0, input + output, input, output)
        add(sources.goose.totals, { input, output })
      }
    })()
    db.close()
    written('goose', p)
  }

  // ---- Antigravity: one conversation database per conversation, gen_metadata rows in protobuf.
  {
    const root = path.join(dir, 'agy')
    src('antigravity', { ANTIGRAVITY_DATA_DIR: root })
    // ccusage shows the thinking part (#10) as output: what it shows for this source.
    sources.antigravity.ccusage = empty()
    const varint = (n) => {
      const out = []
      for (; n > 0x7f; n = Math.floor(n / 128)) out.push((n % 128) | 0x80)
      out.push(n)
      return out
    }
    const vf = (f, n) => [...varint(f * 8), ...varint(n)]
    const lf = (f, b) => [...varint(f * 8 + 2), ...varint(b.length), ...b]
    const str = (s) => [...Buffer.from(s, 'utf8')]
    let size = 0
    for (let c = 0; size < budget; c++) {
      const p = path.join(root, 'conversations', `conv-${c}.db`)
      fs.mkdirSync(path.dirname(p), { recursive: true })
      const db = new Database(p)
      db.pragma('journal_mode = WAL')
      db.exec(
        'CREATE TABLE gen_metadata (idx integer, data blob, size integer NOT NULL DEFAULT 0, PRIMARY KEY (idx)); CREATE TABLE trajectory_metadata_blob (id text DEFAULT "main", data blob, PRIMARY KEY (id))',
      )
      const ins = db.prepare('INSERT INTO gen_metadata VALUES (?, ?, ?)')
      db.transaction(() => {
        for (let g = 0; g < 40; g++) {
          const u = tokens()
          const thinking = int(rng, 0, 200)
          const ms = T0 + c * 3_600_000 + g * 60_000
          const usage = [
            ...vf(1, 1016),
            ...vf(2, u.input),
            ...vf(3, u.output + thinking),
            ...vf(5, u.cacheRead),
            ...vf(9, u.output),
            ...vf(10, thinking),
            ...lf(11, str(`c${c}-r${g}`)),
          ]
          const chat = [
            ...lf(4, usage),
            ...lf(9, lf(4, [...vf(1, Math.floor(ms / 1000)), ...vf(2, 0)])),
            ...lf(19, str('gemini-pro-default')),
            ...lf(21, str('Gemini 3.1 Pro (High)')),
            ...lf(30, str(text(rng, 1500))),
          ]
          const data = Buffer.from(lf(1, chat))
          ins.run(g, data, data.length)
          add(sources.antigravity.totals, { input: u.input, output: u.output + thinking, cacheRead: u.cacheRead })
          add(sources.antigravity.ccusage, { input: u.input, output: thinking, cacheRead: u.cacheRead })
          size += data.length
        }
      })()
      db.close()
      written('antigravity', p)
    }
  }

  // ---- Cline, Roo Code, Kilo Code: task folders (ui_messages.json + api_conversation_history.json).
  {
    const data = path.join(dir, 'cline-data')
    const portable = path.join(dir, 'vscode-portable')
    src('cline', { CLINE_DATA_DIR: data, VSCODE_PORTABLE: portable })
    sources.cline.ccusage = null
    const storage = [
      path.join(data),
      path.join(portable, 'user-data', 'User', 'globalStorage', 'rooveterinaryinc.roo-cline'),
      path.join(portable, 'user-data', 'User', 'globalStorage', 'kilocode.kilo-code'),
    ]
    let size = 0
    for (let k = 0; size < budget; k++) {
      const vendor = k % 3
      const task = path.join(storage[vendor], 'tasks', `task-${k}`)
      fs.mkdirSync(task, { recursive: true })
      const ui = [{ ts: T0 + k * 3_600_000, type: 'say', say: 'text', text: text(rng, 500) }]
      let history = '['
      for (let r = 0; r < 30; r++) {
        const u = tokens()
        const ts = T0 + k * 3_600_000 + (r + 1) * 60_000
        // Cline's classic tokensIn is the remainder; Roo and Kilo (since late 2025) record the whole prompt.
        const tokensIn = vendor === 0 ? u.input : u.input + u.cacheRead + u.cacheWrite
        ui.push({
          ts,
          type: 'say',
          say: 'api_req_started',
          text: JSON.stringify({
            request: text(rng, 600),
            tokensIn,
            tokensOut: u.output,
            cacheReads: u.cacheRead,
            cacheWrites: u.cacheWrite,
            apiProtocol: 'anthropic',
          }),
        })
        ui.push({ ts: ts + 1, type: 'say', say: 'text', text: text(rng, 1200) })
        history +=
          (r ? ',' : '') +
          JSON.stringify({
            role: 'user',
            content: [{ type: 'text', text: `<environment_details>\n<model>claude-sonnet-4-5</model>\n</environment_details>` }],
            ts,
          })
        add(sources.cline.totals, u)
      }
      fs.writeFileSync(path.join(task, 'api_conversation_history.json'), history + ']')
      const p = path.join(task, 'ui_messages.json')
      const s = JSON.stringify(ui)
      fs.writeFileSync(p, s)
      written('cline', p)
      size += s.length
    }
  }

  const all = empty()
  for (const s of Object.values(sources)) {
    for (const k of ['input', 'output', 'cacheRead', 'cacheWrite', 'requests']) all[k] += s.totals[k]
  }
  const manifest = {
    generator: MIXED_GENERATOR_VERSION,
    seed,
    bytes: Object.values(sources).reduce((n, s) => n + s.bytes, 0),
    files: Object.values(sources).reduce((n, s) => n + s.files, 0),
    totals: all,
    sources,
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1))
  return manifest
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const args = process.argv.slice(2)
  const dir = args[0]
  if (!dir) {
    console.error('usage: node bench/gen-mixed-tree.mjs <dir> [--size 64MiB] [--seed 1]')
    process.exit(2)
  }
  const opt = (k, d) => {
    const i = args.indexOf(`--${k}`)
    return i >= 0 ? args[i + 1] : d
  }
  const m = generateMixedTree(dir, { bytes: parseSize(opt('size', '64MiB')), seed: opt('seed', '1') })
  console.log(
    JSON.stringify(
      {
        bytes: m.bytes,
        files: m.files,
        totals: m.totals,
        sources: Object.fromEntries(
          Object.entries(m.sources).map(([k, v]) => [k, { files: v.files, bytes: v.bytes, requests: v.totals.requests }]),
        ),
      },
      null,
      1,
    ),
  )
}
