// Deterministic generator of a realistic Claude Code log tree, for benchmarks.
//
//   generateClaudeTree(dir, { bytes, seed }) -> manifest (expected exact totals and the line/byte mix)
//
// Writes <dir>/projects/<project-slug>/<session-uuid>.jsonl and, for Task tool calls,
// <dir>/projects/<project-slug>/<session-uuid>/subagents/agent-<id>.jsonl, shaped like real
// Claude Code 2.x transcripts (see /work/shared/fixtures/claude_real):
//   - most bytes are tool output: `type:"user"` tool_result lines carry the output twice, once in
//     message.content and once in toolUseResult (Read/Edit carry whole files, as the real ones do);
//   - one assistant API response is streamed as one line per content block (thinking / text /
//     tool_use), all with the same message.id + requestId and a repeated usage object whose
//     output_tokens grows to its final value on the last line;
//   - progress (hook/bash) lines, system lines, file-history snapshots, queue operations,
//     `<synthetic>` assistant rows (zero usage, no requestId), Task results whose toolUseResult
//     carries a `usage` object of its own (not a billed request: a trap for grep-style parsers);
//   - some resumed sessions replay the start of an earlier session of the same project
//     (cross-file duplicates of the same message.id + requestId), a few files end in a torn line.
// Expected totals dedup by message.id + requestId, the largest output_tokens wins.
//
// CLI: node bench/gen-claude-tree.mjs <dir> [--size 64MiB] [--seed 1]

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const GENERATOR_VERSION = 2

// ---------------------------------------------------------------- PRNG (sfc32 seeded by splitmix32)

function hashSeed(seed) {
  const s = String(seed)
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i)
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h
}

export function makeRng(seed) {
  let x = hashSeed(seed)
  const split = () => {
    x = (x + 0x9e3779b9) | 0
    let z = x
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = split()
  let b = split()
  let c = split()
  let d = split()
  const u32 = () => {
    const t = (((a + b) | 0) + d) | 0
    d = (d + 1) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) | 0
    return t >>> 0
  }
  for (let i = 0; i < 16; i++) u32()
  const next = () => u32() / 4294967296
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)) // inclusive
  return {
    u32,
    next,
    int,
    chance: (p) => next() < p,
    pick: (arr) => arr[Math.floor(next() * arr.length)],
    /** Log-uniform integer in [lo, hi]: many small values, a long tail of large ones. */
    logInt: (lo, hi) => Math.round(Math.exp(Math.log(lo) + next() * (Math.log(hi) - Math.log(lo)))),
    weighted: (pairs) => {
      let total = 0
      for (const [, w] of pairs) total += w
      let r = next() * total
      for (const [v, w] of pairs) {
        r -= w
        if (r < 0) return v
      }
      return pairs[pairs.length - 1][0]
    },
  }
}

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const HEX = '0123456789abcdef'

function b62(rng, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += B62[rng.u32() % 62]
  return s
}
function hex(rng, n) {
  let s = ''
  for (let i = 0; i < n; i++) s += HEX[rng.u32() & 15]
  return s
}
function uuid(rng) {
  return `${hex(rng, 8)}-${hex(rng, 4)}-4${hex(rng, 3)}-${HEX[8 + (rng.u32() & 3)]}${hex(rng, 3)}-${hex(rng, 12)}`
}

// ---------------------------------------------------------------- text corpus

const WORDS = (
  'the a to of and in is it that for on with as this be by are from at or not have an was will ' +
  'can we if but all so one do use new time file data user value error function test code type ' +
  'server client request response session token cache model input output build config module ' +
  'update change check return list state event handler path query result stream buffer line ' +
  'parse write read open close start stop run call load save index table column row field key ' +
  'missing expected actual failed passed warning deprecated undefined null default option ' +
  'component render props hook effect context store action reducer schema migration database ' +
  'timeout retry socket channel worker thread process memory limit size count total offset'
).split(' ')

const IDENTS = (
  'user userId session sessionId token tokens cache cacheKey config opts options result results ' +
  'data payload request req response res err error items item list map entry entries value ' +
  'values key keys path filePath dir rows row db stmt query params args ctx state props ' +
  'handler callback next done count total offset limit buffer chunk line lines parser stream ' +
  'socket conn pool worker queue job task event events model usage cost price rate input output'
).split(' ')

const FILE_EXT = ['ts', 'tsx', 'js', 'py', 'ex', 'exs', 'go', 'rs', 'md', 'json', 'css', 'sql']
const DIRS = ['src', 'lib', 'test', 'app', 'components', 'services', 'utils', 'api', 'core', 'db', 'web', 'config']

function sentence(rng, lo = 6, hi = 18) {
  const n = rng.int(lo, hi)
  let s = ''
  for (let i = 0; i < n; i++) s += (i ? ' ' : '') + rng.pick(WORDS)
  return s[0].toUpperCase() + s.slice(1) + rng.pick(['.', '.', '.', ':', '?', '!'])
}
function paragraph(rng, lo = 2, hi = 6) {
  const n = rng.int(lo, hi)
  const out = []
  for (let i = 0; i < n; i++) out.push(sentence(rng))
  return out.join(' ')
}
function ident(rng) {
  const a = rng.pick(IDENTS)
  if (!rng.chance(0.4)) return a
  const b = rng.pick(IDENTS)
  return a + b[0].toUpperCase() + b.slice(1)
}
function codeLine(rng, depth) {
  const ind = '  '.repeat(depth)
  switch (rng.int(0, 15)) {
    case 0:
      return `${ind}const ${ident(rng)} = ${ident(rng)}(${ident(rng)}, "${rng.pick(WORDS)} ${rng.pick(WORDS)}")`
    case 1:
      return `${ind}if (${ident(rng)}.${ident(rng)} === ${rng.int(0, 999)}) {`
    case 2:
      return `${ind}}`
    case 3:
      return `${ind}// ${sentence(rng, 4, 12)}`
    case 4:
      return `${ind}return ${ident(rng)}.${ident(rng)}(\`${rng.pick(WORDS)}: \${${ident(rng)}}\`)`
    case 5:
      return `${ind}const re = /^\\s*(\\d+)\\.${ident(rng)}\\b[^"\\\\]*$/`
    case 6:
      return ''
    case 7:
      return `${ind}await ${ident(rng)}.${ident(rng)}({ ${ident(rng)}: ${ident(rng)}, ${ident(rng)}: '${rng.pick(WORDS)}' })`
    case 8:
      return `${ind}def ${ident(rng)}(self, ${ident(rng)}, ${ident(rng)}=None):`
    case 9:
      return `${ind}|> Enum.map(fn ${ident(rng)} -> ${ident(rng)}.${ident(rng)} end)`
    case 10:
      return `${ind}${ident(rng)} := make(map[string]int, ${rng.int(1, 64)})`
    case 11:
      return `${ind}log.info("${sentence(rng, 3, 8)}", { ${ident(rng)} })`
    case 12:
      return `${ind}} else if (!${ident(rng)}) {`
    case 13:
      return `${ind}throw new Error(\`${sentence(rng, 3, 7)} \${${ident(rng)}}\`)`
    case 14:
      return `${ind}export function ${ident(rng)}(${ident(rng)}: ${rng.pick(['string', 'number', 'Buffer', 'Row[]'])}): ${rng.pick(['void', 'string', 'Promise<void>'])} {`
    default:
      return `${ind}${ident(rng)}.${ident(rng)} = ${ident(rng)} ?? ${rng.int(0, 100)} // ${rng.pick(WORDS)}`
  }
}

function buildCorpus(rng) {
  const files = []
  for (let i = 0; i < 500; i++) {
    const n = rng.logInt(15, 1400)
    const lines = new Array(n)
    let depth = 0
    for (let j = 0; j < n; j++) {
      depth = Math.max(0, Math.min(5, depth + rng.int(-1, 1)))
      lines[j] = codeLine(rng, depth)
    }
    const dir = rng.pick(DIRS)
    const sub = rng.chance(0.5) ? `/${rng.pick(DIRS)}` : ''
    files.push({ rel: `${dir}${sub}/${ident(rng)}_${i}.${rng.pick(FILE_EXT)}`, lines })
  }
  return files
}

// ---------------------------------------------------------------- scenario constants

const PROJECTS = [
  '/home/dev/projects/api-server',
  '/home/dev/projects/web-client',
  '/home/dev/projects/infra',
  '/home/dev/projects/spotter',
  '/home/dev/projects/spotter-worktrees/spotter-dov',
  '/home/dev/projects/ml-pipeline',
  '/home/dev/projects/docs.site',
  '/home/dev/projects/mobile_app',
  '/home/dev/work/billing-service',
  '/home/dev/work/auth-service',
  '/home/dev/src/cli-tools',
  '/home/dev/src/data-etl',
]
const MAIN_MODELS = [
  ['claude-opus-4-6', 50],
  ['claude-sonnet-4-5-20250929', 30],
  ['claude-opus-4-5-20251101', 12],
  ['claude-haiku-4-5-20251001', 8],
]
const VERSIONS = ['2.0.76', '2.1.19', '2.1.32', '2.1.38', '2.1.39']
const TOOLS = [
  ['Read', 30],
  ['Bash', 26],
  ['Edit', 12],
  ['Grep', 10],
  ['Glob', 5],
  ['Write', 4],
  ['WebFetch', 3],
  ['TodoWrite', 4],
  ['Task', 2],
]
const SLUG_WORDS = 'radiant floating music dazzling imagining barto quiet river silver maple humming orbit'.split(' ')

export function projectSlug(cwd) {
  return cwd.replace(/[^a-zA-Z0-9]/g, '-')
}

// ---------------------------------------------------------------- generator

const DAY_MS = 86_400_000
const START_MS = Date.UTC(2026, 0, 5, 0, 0, 0) // spread over ~60 days from here
const SPAN_DAYS = 60

function emptyTotals() {
  return { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cacheWrite1h: 0, requests: 0 }
}
function addTotals(t, u) {
  t.input += u.input
  t.output += u.output
  t.cacheRead += u.cacheRead
  t.cacheWrite += u.cacheWrite
  t.cacheWrite1h += u.cacheWrite1h
  t.requests += 1
}

class Writer {
  constructor(file, stats) {
    fs.mkdirSync(path.dirname(file), { recursive: true })
    this.fd = fs.openSync(file, 'w')
    this.parts = []
    this.pending = 0
    this.bytes = 0
    this.stats = stats
    stats.files++
  }
  line(kind, obj) {
    return this.raw(kind, JSON.stringify(obj))
  }
  raw(kind, s, newline = true) {
    const text = newline ? s + '\n' : s
    const n = Buffer.byteLength(text)
    this.parts.push(text)
    this.pending += n
    this.bytes += n
    const k = this.stats.kinds[kind] || (this.stats.kinds[kind] = { lines: 0, bytes: 0 })
    k.lines++
    k.bytes += n
    this.stats.lines++
    this.stats.bytes += n
    if (this.pending > 1 << 20) this.flush()
    return s
  }
  flush() {
    if (this.parts.length) fs.writeSync(this.fd, this.parts.join(''))
    this.parts = []
    this.pending = 0
  }
  close() {
    this.flush()
    fs.closeSync(this.fd)
  }
}

/**
 * Writes the tree and returns its manifest (expected totals + mix). `bytes` is a target: the tree
 * ends up within one turn of it.
 */
export function generateClaudeTree(dir, { bytes = 64 * 1024 * 1024, seed = 1 } = {}) {
  const rng = makeRng(`claude-tree:${seed}`)
  const corpus = buildCorpus(makeRng(`corpus:${seed}`))
  const projectsDir = path.join(dir, 'projects')
  fs.mkdirSync(projectsDir, { recursive: true })

  const stats = { files: 0, lines: 0, bytes: 0, kinds: {} }
  const totals = emptyTotals()
  const byModel = {}
  const byDay = {}
  const counters = {
    usageLines: 0, // assistant lines with message.usage (including <synthetic> rows)
    duplicateUsageLines: 0, // usage lines whose message.id + requestId was already written
    crossFileDuplicateLines: 0, // of those, replayed into a resumed session's file
    syntheticRows: 0, // distinct <synthetic> rows (zero usage, no requestId)
    syntheticDuplicateLines: 0, // <synthetic> rows replayed into a resumed session
    subagentFiles: 0,
    sessions: 0,
    resumedSessions: 0,
    tornLines: 0,
    compactions: 0,
  }
  const lastSessionLines = new Map() // cwd -> { sessionId, lines: [{kind,s}] } prefix for resumes

  function recordRequest(model, u, ts) {
    addTotals(totals, u)
    addTotals(byModel[model] || (byModel[model] = emptyTotals()), u)
    const day = new Date(ts).toISOString().slice(0, 10)
    addTotals(byDay[day] || (byDay[day] = emptyTotals()), u)
  }

  // ---- one session (or subagent) file
  function writeSession(file, s) {
    const w = new Writer(file, stats)
    const b0 = stats.bytes // subagent files written from this one count toward its budget
    const spent = () => stats.bytes - b0
    const keep = s.isSidechain ? null : []
    const keepLimit = 4 << 20
    let keptBytes = 0
    const emit = (kind, obj) => {
      const str = w.line(kind, obj)
      if (keep && keptBytes < keepLimit) {
        keep.push({ kind, s: str })
        keptBytes += str.length
      }
      return str
    }
    let t = s.startMs
    const tick = (lo, hi) => {
      t += rng.int(lo, hi)
      return new Date(t).toISOString()
    }
    let parent = null
    const base = () => {
      const o = {
        parentUuid: parent,
        isSidechain: s.isSidechain,
        userType: 'external',
        cwd: s.cwd,
        sessionId: s.sessionId,
        version: s.version,
        gitBranch: s.gitBranch,
      }
      if (s.agentId) o.agentId = s.agentId
      if (s.slug) o.slug = s.slug
      return o
    }
    const withId = (o, ts) => {
      const id = uuid(rng)
      o.uuid = id
      o.timestamp = ts
      parent = id
      return o
    }

    // Resumed session: Claude Code replays the earlier conversation into the new file.
    if (s.resumeFrom) {
      const from = s.resumeFrom
      const n = Math.max(1, Math.floor(from.lines.length * (0.2 + rng.next() * 0.6)))
      for (let i = 0; i < n; i++) {
        const { kind, s: str } = from.lines[i]
        const replayed = str.split(from.sessionId).join(s.sessionId)
        w.raw(kind, replayed)
        if (kind === 'usage') {
          counters.usageLines++
          if (str.includes('"model":"<synthetic>"')) counters.syntheticDuplicateLines++
          else {
            counters.duplicateUsageLines++
            counters.crossFileDuplicateLines++
          }
        }
      }
    }

    if (!s.isSidechain && rng.chance(0.15)) {
      w.line('meta', { type: 'summary', summary: sentence(rng, 3, 8), leafUuid: uuid(rng) })
    }

    // context accounting for realistic usage numbers
    let context = rng.int(11_000, 20_000)
    let pendingNew = rng.int(8_000, 15_000) // first request writes the system prompt + tools
    let turn = 0

    const usageFor = (outTokens) => {
      let cacheRead = context
      let cacheWrite = pendingNew
      if (rng.chance(0.03)) {
        // cache miss: the whole prefix is written again
        cacheWrite = context + pendingNew
        cacheRead = 0
      }
      const input = rng.chance(0.85) ? rng.pick([1, 1, 1, 3, 3, 2]) : rng.int(4, 600)
      let w1h
      if (s.ttl === '1h') w1h = cacheWrite
      else if (s.ttl === '5m') w1h = 0
      else w1h = Math.floor(cacheWrite * rng.next())
      context += pendingNew + outTokens
      pendingNew = 0
      return { input, output: outTokens, cacheRead, cacheWrite, cacheWrite1h: w1h }
    }

    const usageObj = (u, out, final) =>
      final
        ? {
            input_tokens: u.input,
            cache_creation_input_tokens: u.cacheWrite,
            cache_read_input_tokens: u.cacheRead,
            output_tokens: out,
            server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
            service_tier: 'standard',
            cache_creation: {
              ephemeral_1h_input_tokens: u.cacheWrite1h,
              ephemeral_5m_input_tokens: u.cacheWrite - u.cacheWrite1h,
            },
            inference_geo: '',
            iterations: [],
          }
        : {
            input_tokens: u.input,
            cache_creation_input_tokens: u.cacheWrite,
            cache_read_input_tokens: u.cacheRead,
            cache_creation: {
              ephemeral_5m_input_tokens: u.cacheWrite - u.cacheWrite1h,
              ephemeral_1h_input_tokens: u.cacheWrite1h,
            },
            output_tokens: out,
            service_tier: 'standard',
            inference_geo: 'not_available',
          }

    const syntheticRow = (text, apiError) => {
      const o = base()
      o.message = {
        id: uuid(rng),
        container: null,
        model: '<synthetic>',
        role: 'assistant',
        stop_reason: 'stop_sequence',
        stop_sequence: '',
        type: 'message',
        usage: {
          input_tokens: 0,
          output_tokens: 0,
          cache_creation_input_tokens: 0,
          cache_read_input_tokens: 0,
          server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
          service_tier: null,
          cache_creation: { ephemeral_1h_input_tokens: 0, ephemeral_5m_input_tokens: 0 },
        },
        content: [{ type: 'text', text }],
      }
      o.type = 'assistant'
      withId(o, tick(50, 900))
      if (apiError) o.isApiErrorMessage = true
      emit('usage', o)
      counters.usageLines++
      counters.syntheticRows++
    }

    const progress = (hookEvent, toolName, toolId) => {
      const o = base()
      o.type = 'progress'
      o.data = {
        type: 'hook_progress',
        hookEvent,
        hookName: `${hookEvent}:${toolName}`,
        command: rng.pick(['callback', '$HOME/.claude/hooks/guard.sh', 'cd ${CLAUDE_PLUGIN_ROOT}/hooks && bun run ./guardian.ts']),
      }
      o.parentToolUseID = toolId
      o.toolUseID = toolId
      withId(o, tick(2, 40))
      emit('progress', o)
    }

    const toolInputFor = (name, fileIdx) => {
      const f = corpus[fileIdx]
      const fp = `${s.cwd}/${f.rel}`
      switch (name) {
        case 'Read':
          return { file_path: fp }
        case 'Bash':
          return {
            command:
              rng.pick([
                'npm test',
                'mix test',
                'git diff',
                'go test ./...',
                'pytest -q',
                'ls -la',
                'npm run build',
                'git log --oneline -20',
                'cargo check',
              ]) + (rng.chance(0.5) ? ' 2>&1 | head -200' : ''),
            description: sentence(rng, 3, 6),
            timeout: rng.pick([30000, 120000, 600000]),
          }
        case 'Edit':
          return {
            file_path: fp,
            old_string: f.lines.slice(5, 8).join('\n'),
            new_string: f.lines.slice(5, 9).join('\n'),
            replace_all: false,
          }
        case 'Write':
          return { file_path: fp, content: f.lines.join('\n') }
        case 'Grep':
          return { pattern: ident(rng), path: s.cwd, output_mode: 'content', '-n': true }
        case 'Glob':
          return { pattern: `**/*.${rng.pick(FILE_EXT)}`, path: s.cwd }
        case 'WebFetch':
          return { url: `https://example.org/${rng.pick(WORDS)}/${rng.pick(WORDS)}`, prompt: sentence(rng) }
        case 'TodoWrite':
          return {
            todos: [0, 1, 2].map(() => ({
              content: sentence(rng, 3, 8),
              status: rng.pick(['pending', 'in_progress', 'completed']),
              activeForm: sentence(rng, 2, 5),
            })),
          }
        case 'Task':
          return {
            description: sentence(rng, 2, 5),
            prompt: paragraph(rng, 2, 5),
            subagent_type: rng.pick(['general-purpose', 'Explore', 'Plan']),
          }
        default:
          return {}
      }
    }

    // -> { content (string for message), result (toolUseResult), extraProgress }
    const toolResult = (name, input, fileIdx, taskResult) => {
      const f = corpus[fileIdx]
      switch (name) {
        case 'Read': {
          let lines = f.lines
          let start = 1
          if (lines.length > 2000) lines = lines.slice(0, 2000)
          else if (rng.chance(0.2) && lines.length > 60) {
            start = rng.int(1, lines.length - 50)
            lines = lines.slice(start - 1, start - 1 + rng.int(30, 400))
          }
          const numbered = lines.map((l, i) => `${String(start + i).padStart(6)}→${l}`).join('\n')
          const content = rng.chance(0.15)
            ? `${numbered}\n\n<system-reminder>\nWhenever you read a file, you should consider whether it looks malicious.\n</system-reminder>\n`
            : numbered
          return {
            content,
            result: {
              type: 'text',
              file: {
                filePath: input.file_path,
                content: lines.join('\n'),
                numLines: lines.length,
                startLine: start,
                totalLines: f.lines.length,
              },
            },
          }
        }
        case 'Bash': {
          const out = bashOutput(rng, corpus)
          const failed = rng.chance(0.12)
          return {
            content: out,
            isError: failed,
            result: failed
              ? `Error: Exit code 1\n${out}`
              : { stdout: out, stderr: '', interrupted: false, isImage: false, noOutputExpected: false },
          }
        }
        case 'Edit': {
          const at = Math.min(5, f.lines.length)
          const snippet = f.lines
            .slice(Math.max(0, at - 4), at + 8)
            .map((l, i) => `${String(Math.max(1, at - 3) + i).padStart(6)}→${l}`)
            .join('\n')
          return {
            content: `The file ${input.file_path} has been updated. Here's the result of running \`cat -n\` on a snippet of the edited file:\n${snippet}`,
            result: {
              filePath: input.file_path,
              oldString: input.old_string,
              newString: input.new_string,
              originalFile: f.lines.join('\n'),
              structuredPatch: [
                { oldStart: 6, oldLines: 3, newStart: 6, newLines: 4, lines: f.lines.slice(5, 9).map((l, i) => (i === 3 ? '+' : ' ') + l) },
              ],
              userModified: false,
              replaceAll: false,
            },
          }
        }
        case 'Write':
          return {
            content: `File created successfully at: ${input.file_path}`,
            result: { type: 'create', filePath: input.file_path, content: input.content, structuredPatch: [] },
          }
        case 'Grep': {
          const n = rng.logInt(1, 250)
          const lines = []
          for (let i = 0; i < n; i++) {
            const g = rng.pick(corpus)
            lines.push(`${s.cwd}/${g.rel}:${rng.int(1, g.lines.length)}:${rng.pick(g.lines)}`)
          }
          const content = lines.join('\n')
          return { content, result: { mode: 'content', numFiles: Math.min(n, 40), filenames: [], content, numLines: n } }
        }
        case 'Glob': {
          const n = rng.logInt(1, 120)
          const names = []
          for (let i = 0; i < n; i++) names.push(`${s.cwd}/${rng.pick(corpus).rel}`)
          return { content: names.join('\n'), result: { filenames: names, durationMs: rng.int(3, 400), numFiles: n, truncated: false } }
        }
        case 'WebFetch': {
          const paras = []
          const n = rng.logInt(2, 40)
          for (let i = 0; i < n; i++) paras.push((rng.chance(0.25) ? `## ${sentence(rng, 2, 5)}\n\n` : '') + paragraph(rng))
          const text = paras.join('\n\n')
          return {
            content: text,
            result: {
              bytes: rng.int(20_000, 400_000),
              code: 200,
              codeText: 'OK',
              result: text,
              durationMs: rng.int(300, 9000),
              url: input.url,
            },
          }
        }
        case 'TodoWrite':
          return {
            content:
              'Todos have been modified successfully. Ensure that you continue to use the todo list to track your progress. Please proceed with the current tasks if applicable',
            result: { oldTodos: [], newTodos: input.todos },
          }
        case 'Task': {
          const text = taskResult.text
          return {
            content: [{ type: 'text', text }],
            result: {
              status: 'completed',
              prompt: input.prompt,
              agentId: taskResult.agentId,
              content: [{ type: 'text', text }],
              totalDurationMs: rng.int(20_000, 600_000),
              totalTokens: taskResult.totalTokens,
              totalToolUseCount: taskResult.toolUses,
              // Not a billed request of this file: a Task result reports its subagent's usage.
              usage: {
                input_tokens: rng.int(1, 20),
                cache_creation_input_tokens: rng.int(100, 9000),
                cache_read_input_tokens: rng.int(10_000, 90_000),
                output_tokens: rng.int(50, 3000),
                server_tool_use: { web_search_requests: 0, web_fetch_requests: 0 },
                service_tier: 'standard',
              },
            },
          }
        }
        default:
          return { content: '', result: {} }
      }
    }

    const userPrompt = (first) => {
      if (!s.isSidechain && rng.chance(0.5)) {
        const mid = uuid(rng)
        w.line('meta', {
          type: 'file-history-snapshot',
          messageId: mid,
          snapshot: { messageId: mid, trackedFileBackups: {}, timestamp: new Date(t).toISOString() },
          isSnapshotUpdate: false,
        })
      }
      if (!s.isSidechain && rng.chance(0.08)) {
        const ts = tick(100, 2000)
        w.line('meta', {
          type: 'queue-operation',
          operation: 'enqueue',
          timestamp: ts,
          sessionId: s.sessionId,
          content: sentence(rng, 2, 6),
        })
        w.line('meta', { type: 'queue-operation', operation: 'remove', timestamp: tick(100, 2000), sessionId: s.sessionId })
      }
      const o = base()
      o.type = 'user'
      o.message = { role: 'user', content: s.isSidechain && first ? s.prompt : paragraph(rng, 1, first ? 6 : 3) }
      withId(o, tick(first ? 0 : 20_000, first ? 10 : 1_800_000))
      if (first && !s.isSidechain) {
        o.thinkingMetadata = { maxThinkingTokens: 31999 }
        o.todos = []
        o.permissionMode = rng.pick(['default', 'acceptEdits', 'bypassPermissions'])
      }
      emit('user_prompt', o)
      pendingNew += rng.int(20, 800)
    }

    let lastText = ''
    let totalToolUses = 0
    let totalTokens = 0

    // One assistant API response: streamed lines, then its tool results.
    const assistantMessage = (wantTools, model) => {
      const blocks = []
      if (rng.chance(0.25)) {
        blocks.push({ type: 'thinking', thinking: paragraph(rng, 1, 5), signature: b62(rng, rng.int(200, 1200)) })
      }
      if (rng.chance(wantTools ? 0.35 : 1)) {
        const text = rng.chance(0.15) ? '\n\n' : wantTools ? sentence(rng) : paragraph(rng, 1, 8)
        blocks.push({ type: 'text', text })
        lastText = text
      }
      const tools = []
      if (wantTools) {
        const nTools = Math.min(
          4 - blocks.length,
          rng.weighted([
            [1, 80],
            [2, 15],
            [3, 5],
          ]),
        )
        for (let i = 0; i < Math.max(1, nTools); i++) {
          let name = rng.weighted(TOOLS)
          if (name === 'Task' && (s.isSidechain || s.depth > 0)) name = 'Read'
          const fileIdx = rng.int(0, corpus.length - 1)
          const input = toolInputFor(name, fileIdx)
          const id = `toolu_01${b62(rng, 22)}`
          tools.push({ name, input, id, fileIdx })
          blocks.push({ type: 'tool_use', id, name, input, caller: { type: 'direct' } })
        }
      }
      if (blocks.length > 4) blocks.length = 4
      const n = blocks.length

      let outFinal = 1
      for (const b of blocks) {
        if (b.type === 'thinking') outFinal += (b.thinking.length >> 2) + rng.int(0, 400)
        else if (b.type === 'text') outFinal += b.text.length >> 2
        else outFinal += (JSON.stringify(b.input).length >> 2) + 10
      }
      outFinal = Math.min(outFinal, 32_000)
      const u = usageFor(outFinal)
      const msgId = `msg_01${b62(rng, 22)}`
      const reqId = `req_011C${b62(rng, 20)}`
      let out = Math.min(outFinal, rng.int(1, 30))
      let firstTs = 0
      let assistantUuid = null
      const stopReason = wantTools ? 'tool_use' : 'end_turn'
      for (let i = 0; i < n; i++) {
        const last = i === n - 1
        if (last) out = outFinal
        else if (i > 0 && rng.chance(0.5)) out = Math.min(outFinal, out + rng.int(1, Math.max(1, outFinal - out)))
        const finalForm = last && n > 1 && rng.chance(0.5)
        const o = base()
        o.message = {
          model,
          id: msgId,
          type: 'message',
          role: 'assistant',
          content: [blocks[i]],
          stop_reason: finalForm ? stopReason : null,
          stop_sequence: null,
          usage: usageObj(u, out, finalForm),
        }
        o.requestId = reqId
        o.type = 'assistant'
        const ts = tick(i === 0 ? 1500 : 200, i === 0 ? 9000 : 2500)
        withId(o, ts)
        if (i === 0) {
          firstTs = t
          assistantUuid = o.uuid
        }
        emit('usage', o)
        counters.usageLines++
        if (i > 0) counters.duplicateUsageLines++
        if (blocks[i].type === 'tool_use' && rng.chance(0.7)) progress('PreToolUse', blocks[i].name, blocks[i].id)
      }
      recordRequest(model, u, firstTs)
      totalTokens += u.input + u.output + u.cacheRead + u.cacheWrite

      // tool results
      for (const tool of tools) {
        let taskResult = null
        if (tool.name === 'Task') taskResult = spawnSubagent(s, tool.input, t)
        if (tool.name === 'Bash' && rng.chance(0.5)) {
          // long-running commands report progress about once a second
          const k = rng.logInt(1, 12)
          for (let j = 0; j < k; j++) {
            const o = base()
            o.type = 'progress'
            const partial = bashOutput(rng, corpus, 8)
            o.data = {
              type: 'bash_progress',
              output: partial,
              fullOutput: partial,
              elapsedTimeSeconds: j + 2,
              totalLines: partial.split('\n').length,
            }
            o.toolUseID = `bash-progress-${j}`
            o.parentToolUseID = tool.id
            withId(o, tick(900, 1100))
            emit('progress', o)
          }
        }
        const r = toolResult(tool.name, tool.input, tool.fileIdx, taskResult)
        const o = base()
        o.type = 'user'
        const block = { tool_use_id: tool.id, type: 'tool_result', content: r.content }
        if (r.isError) block.is_error = true
        o.message = { role: 'user', content: [block] }
        withId(o, tick(30, tool.name === 'Bash' ? 60_000 : 3_000))
        o.toolUseResult = r.result
        o.sourceToolAssistantUUID = assistantUuid
        emit('tool_result', o)
        if (rng.chance(0.75)) progress('PostToolUse', tool.name, tool.id)
        if ((tool.name === 'Edit' || tool.name === 'Write') && !s.isSidechain) {
          const backups = {}
          backups[corpus[tool.fileIdx].rel] = {
            backupFileName: `${hex(rng, 16)}@v${rng.int(1, 9)}`,
            version: rng.int(1, 9),
            backupTime: new Date(t).toISOString(),
          }
          w.line('meta', {
            type: 'file-history-snapshot',
            messageId: uuid(rng),
            snapshot: { messageId: uuid(rng), trackedFileBackups: backups, timestamp: new Date(t).toISOString() },
            isSnapshotUpdate: true,
          })
        }
        const len = typeof r.content === 'string' ? r.content.length : r.content[0].text.length
        pendingNew += (len >> 2) + 20
        totalToolUses++
      }
    }

    const compact = () => {
      counters.compactions++
      const o = base()
      o.type = 'system'
      o.subtype = 'compact_boundary'
      o.content = 'Conversation compacted'
      o.level = 'info'
      o.compactMetadata = { trigger: 'auto', preTokens: context }
      withId(o, tick(1000, 5000))
      emit('system', o)
      context = rng.int(14_000, 30_000)
      pendingNew = rng.int(3_000, 12_000)
    }

    // ---- turns until the file reaches its budget
    while (spent() < s.targetBytes) {
      const first = turn === 0
      userPrompt(first)
      if (first && !s.isSidechain && rng.chance(0.3)) {
        const ts = tick(5, 50)
        const o = base()
        o.type = 'system'
        o.subtype = 'local_command'
        o.content =
          '<command-name>/model</command-name>\n            <command-message>model</command-message>\n            <command-args></command-args>'
        o.level = 'info'
        withId(o, ts)
        o.isMeta = false
        emit('system', o)
      }
      const steps = s.isSidechain ? rng.int(3, 14) : rng.logInt(1, 30)
      for (let i = 0; i < steps && (i === 0 || spent() < s.targetBytes * 1.02); i++) {
        if (context > 160_000) compact()
        const model = s.isSidechain ? s.model : rng.chance(0.04) ? 'claude-haiku-4-5-20251001' : s.model
        assistantMessage(i < steps - 1, model)
      }
      if (rng.chance(0.06)) {
        // user interrupts, Claude Code writes a synthetic row
        const o = base()
        o.type = 'user'
        o.message = { role: 'user', content: [{ type: 'text', text: '[Request interrupted by user]' }] }
        withId(o, tick(500, 5000))
        emit('user_prompt', o)
        syntheticRow('No response requested.', false)
      } else if (rng.chance(0.015)) {
        syntheticRow('API Error: 529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}', true)
      }
      if (!s.isSidechain && rng.chance(0.4)) {
        const o = base()
        o.type = 'system'
        o.subtype = 'stop_hook_summary'
        o.hookCount = 1
        o.hookInfos = [{ command: '$HOME/.claude/hooks/notify.sh' }]
        o.hookErrors = []
        o.preventedContinuation = false
        o.stopReason = ''
        o.hasOutput = false
        o.level = 'suggestion'
        withId(o, tick(1, 20))
        emit('system', o)
      }
      if (!s.isSidechain && rng.chance(0.5)) {
        const o = base()
        o.type = 'system'
        o.subtype = 'turn_duration'
        o.durationMs = rng.int(2_000, 900_000)
        o.isMeta = false
        withId(o, tick(1, 20))
        emit('system', o)
      }
      turn++
      if (turn === 1 && !s.isSidechain && !s.slug) s.slug = `${rng.pick(SLUG_WORDS)}-${rng.pick(SLUG_WORDS)}-${rng.pick(SLUG_WORDS)}`
    }

    // A crash mid-write leaves a torn last line (no usage in it, no newline).
    if (!s.isSidechain && rng.chance(0.02)) {
      const o = base()
      o.type = 'user'
      o.message = {
        role: 'user',
        content: [{ tool_use_id: `toolu_01${b62(rng, 22)}`, type: 'tool_result', content: bashOutput(rng, corpus) }],
      }
      withId(o, tick(10, 100))
      const str = JSON.stringify(o)
      w.raw('torn', str.slice(0, Math.max(40, Math.floor(str.length * rng.next()))), false)
      counters.tornLines++
    }
    w.close()
    return { endMs: t, lastText, lines: keep, totalTokens, toolUses: totalToolUses }
  }

  function spawnSubagent(parent, input, atMs) {
    counters.subagentFiles++
    const compactAgent = rng.chance(0.15)
    const agentId = compactAgent ? `acompact-${hex(rng, 6)}` : `a${hex(rng, 6)}`
    const file = path.join(projectsDir, projectSlug(parent.cwd), parent.sessionId, 'subagents', `agent-${agentId}.jsonl`)
    const sub = {
      cwd: parent.cwd,
      sessionId: parent.sessionId,
      version: parent.version,
      gitBranch: parent.gitBranch,
      slug: parent.slug,
      agentId,
      isSidechain: true,
      depth: 1,
      model: rng.chance(0.4) ? 'claude-haiku-4-5-20251001' : parent.model,
      ttl: rng.pick(['5m', '1h']),
      prompt: input.prompt,
      startMs: atMs,
      targetBytes: rng.logInt(20_000, Math.max(40_000, Math.min(1_500_000, parent.targetBytes >> 2))),
    }
    const r = writeSession(file, sub)
    return { agentId, text: r.lastText || paragraph(rng), totalTokens: r.totalTokens, toolUses: r.toolUses }
  }

  // ---- sessions until the tree reaches its budget
  while (stats.bytes < bytes) {
    const remaining = bytes - stats.bytes
    const size = rng.weighted([
      [() => rng.logInt(8_000, 200_000), 40],
      [() => rng.logInt(200_000, 3_000_000), 42],
      [() => rng.logInt(3_000_000, 24_000_000), 18],
    ])()
    const targetBytes = Math.max(4_000, Math.min(size, remaining))
    const cwd = rng.pick(PROJECTS)
    const day = rng.int(0, SPAN_DAYS - 1)
    const startMs = START_MS + day * DAY_MS + rng.int(6, 22) * 3_600_000 + rng.int(0, 3_599_999)
    const prev = lastSessionLines.get(cwd)
    const resume = prev && rng.chance(0.1) ? prev : null
    const s = {
      cwd,
      sessionId: uuid(rng),
      version: rng.pick(VERSIONS),
      gitBranch: rng.pick(['main', 'main', 'master', `feature/${rng.pick(WORDS)}-${rng.pick(WORDS)}`]),
      slug: null,
      agentId: null,
      isSidechain: false,
      depth: 0,
      model: rng.weighted(MAIN_MODELS),
      ttl: rng.weighted([
        ['1h', 45],
        ['5m', 45],
        ['mixed', 10],
      ]),
      startMs: resume ? Math.max(startMs, prev.endMs + 60_000) : startMs,
      targetBytes,
      resumeFrom: resume,
    }
    if (resume) counters.resumedSessions++
    const file = path.join(projectsDir, projectSlug(cwd), `${s.sessionId}.jsonl`)
    const r = writeSession(file, s)
    counters.sessions++
    if (r.lines && r.lines.length) lastSessionLines.set(cwd, { sessionId: s.sessionId, lines: r.lines, endMs: r.endMs })
  }

  const mix = {}
  for (const [k, v] of Object.entries(stats.kinds)) {
    mix[k] = {
      lines: v.lines,
      bytes: v.bytes,
      linePct: round1((100 * v.lines) / stats.lines),
      bytePct: round1((100 * v.bytes) / stats.bytes),
    }
  }
  const manifest = {
    generator: 'claude-code',
    generatorVersion: GENERATOR_VERSION,
    seed,
    targetBytes: bytes,
    bytes: stats.bytes,
    files: stats.files,
    lines: stats.lines,
    mix,
    ...counters,
    totals: { ...totals, totalTokens: totals.input + totals.output + totals.cacheRead + totals.cacheWrite },
    byModel,
    days: Object.keys(byDay).length,
    byDay,
  }
  return manifest
}

function round1(x) {
  return Math.round(x * 10) / 10
}

function bashOutput(rng, corpus, maxLines = 0) {
  const kind = rng.int(0, 5)
  const n = maxLines || rng.logInt(1, 400)
  const lines = []
  switch (kind) {
    case 0: // test runner
      for (let i = 0; i < n; i++) {
        lines.push(
          rng.chance(0.9)
            ? ` ${rng.chance(0.92) ? '✓' : '×'} ${rng.pick(corpus).rel} > ${sentence(rng, 3, 8)} ${rng.int(0, 900)}ms`
            : `\u001b[31mFAIL\u001b[39m ${rng.pick(corpus).rel}\n  AssertionError: expected ${rng.int(0, 99)} to equal ${rng.int(0, 99)}`,
        )
      }
      lines.push(
        '',
        ` Test Files  ${rng.int(1, 60)} passed (${rng.int(1, 60)})`,
        `      Tests  ${rng.int(10, 900)} passed`,
        `   Duration  ${rng.int(1, 90)}.${rng.int(10, 99)}s`,
      )
      break
    case 1: {
      // git diff
      const f = rng.pick(corpus)
      lines.push(
        `diff --git a/${f.rel} b/${f.rel}`,
        `index ${rng.u32().toString(16)}..${rng.u32().toString(16)} 100644`,
        `--- a/${f.rel}`,
        `+++ b/${f.rel}`,
      )
      for (let i = 0; i < n; i++) lines.push((rng.chance(0.7) ? ' ' : rng.chance(0.5) ? '+' : '-') + f.lines[i % f.lines.length])
      break
    }
    case 2: // ls -la
      for (let i = 0; i < n; i++) {
        lines.push(
          `-rw-r--r--  1 dev dev ${String(rng.int(10, 999999)).padStart(7)} Feb ${String(rng.int(1, 28)).padStart(2)} ${rng.int(10, 23)}:${rng.int(10, 59)} ${rng.pick(corpus).rel.split('/').pop()}`,
        )
      }
      break
    case 3: // compiler warnings
      for (let i = 0; i < n; i += 6) {
        const f = rng.pick(corpus)
        const ln = rng.int(1, 900)
        lines.push(
          `     warning: ${sentence(rng, 4, 10)}`,
          '     │',
          ` ${ln} │     ${rng.pick(f.lines)}`,
          '     │     ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~',
          '     │',
          `     └─ ${f.rel}:${ln}: ${ident(rng)}`,
        )
      }
      break
    case 4: // build log
      for (let i = 0; i < n; i++)
        lines.push(
          `[${rng.int(1, 9)}/${rng.int(10, 99)}] ${rng.pick(['Compiling', 'Bundling', 'Linking', 'Transforming'])} ${rng.pick(corpus).rel} (${rng.int(1, 900)} kB)`,
        )
      break
    default: // git log
      for (let i = 0; i < n; i++) lines.push(`${rng.u32().toString(16).padStart(8, '0').slice(0, 7)} ${sentence(rng, 3, 9)}`)
  }
  let out = lines.join('\n')
  if (out.length > 30_000) out = out.slice(0, 30_000) + `\n... [${lines.length - 300} lines truncated] ...`
  return out
}

// ---------------------------------------------------------------- CLI

export function parseSize(v) {
  if (typeof v === 'number') return v
  const m = /^\s*([\d.]+)\s*([kmgt]?)(i?)(b?)\s*$/i.exec(String(v))
  if (!m) throw new Error(`bad size: ${v}`)
  const unit = m[2].toLowerCase()
  const binary = m[3] !== '' || m[4] === '' // "256M" and "256MiB" are binary, "256MB" decimal
  const base = binary ? 1024 : 1000
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit]
  return Math.round(Number(m[1]) * base ** pow)
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const dir = args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--')))
  const opt = (name, dflt) => {
    const i = args.indexOf(`--${name}`)
    return i >= 0 ? args[i + 1] : dflt
  }
  if (!dir) {
    console.error('usage: node bench/gen-claude-tree.mjs <dir> [--size 64MiB] [--seed 1]')
    process.exit(2)
  }
  const t0 = Date.now()
  const m = generateClaudeTree(dir, { bytes: parseSize(opt('size', '64MiB')), seed: opt('seed', '1') })
  m.generateMs = Date.now() - t0
  delete m.byDay
  console.log(JSON.stringify(m, null, 2))
}
