/** A temp Claude Code config dir with one project folder, and the env an Engine reads it with. */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '../../helpers/temp'

export function liveSetup() {
  const dir = tempDir()
  const claude = join(dir, 'claude')
  mkdirSync(join(claude, 'projects', 'app'), { recursive: true })
  const env = { TOKENWATCH_HOME: join(dir, 'home'), HOME: dir, CLAUDE_CONFIG_DIR: claude, CODEX_HOME: join(dir, 'codex') }
  return { dir, claude, projects: join(claude, 'projects'), env, log: join(claude, 'projects', 'app', 'session.jsonl') }
}
