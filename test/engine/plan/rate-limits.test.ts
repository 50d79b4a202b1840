import { describe, expect, it } from 'vitest'
import { mkdirSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { planLimits, readCodexRateLimits } from '../../../src/engine/plan/rate-limits'
import { tempDir } from '../../helpers/temp'

const tokenCount = (ts: string, rl: unknown) =>
  JSON.stringify({ timestamp: ts, type: 'event_msg', payload: { type: 'token_count', info: null, rate_limits: rl } })

describe('Codex rate limits from the rollouts', () => {
  it('the newest snapshot of the newest files, placeholders skipped, resets as instants', () => {
    const root = tempDir()
    const day = join(root, 'sessions', '2026', '05', '17')
    mkdirSync(day, { recursive: true })
    const older = join(day, 'rollout-a.jsonl')
    const newer = join(day, 'rollout-b.jsonl')
    writeFileSync(
      older,
      [
        tokenCount('2026-05-17T10:00:00.000Z', {
          primary: { used_percent: 90, window_minutes: 300, resets_at: 1779030000 },
          secondary: null,
          plan_type: 'plus',
        }),
      ].join('\n') + '\n',
    )
    writeFileSync(
      newer,
      [
        '{"timestamp":"2026-05-17T15:19:00.000Z","type":"turn_context","payload":{"model":"gpt-5"}}',
        tokenCount('2026-05-17T15:20:04.087Z', {
          primary: { used_percent: 25, window_minutes: 300, resets_at: 1779032052 },
          secondary: { used_percent: 9, window_minutes: 10080, resets_in_seconds: 3600 },
          plan_type: 'prolite',
        }),
        // A placeholder written before Codex knows the limits: no window, no reset.
        tokenCount('2026-05-17T15:20:19.304Z', { primary: { used_percent: 0 }, secondary: null }),
        '{"timestamp":"2026-05-17T15:21:00.000Z","type":"event_msg","payload":{"type":"token_count","rate_limits":{"primary":', // torn last line
      ].join('\n'),
    )
    utimesSync(older, new Date('2026-05-17T10:00:00Z'), new Date('2026-05-17T10:00:00Z'))
    expect(readCodexRateLimits([join(root, 'sessions')])).toEqual({
      from: 'codex-rollout',
      observedAt: Date.parse('2026-05-17T15:20:04.087Z'),
      planType: 'prolite',
      windows: [
        { name: 'primary', usedPercent: 25, windowMinutes: 300, resetsAt: 1779032052_000 },
        { name: 'secondary', usedPercent: 9, windowMinutes: 10080, resetsAt: Date.parse('2026-05-17T15:20:04.087Z') + 3_600_000 },
      ],
    })
  })

  it('nothing reported, nothing shown', () => {
    const root = tempDir()
    mkdirSync(join(root, 'sessions'), { recursive: true })
    writeFileSync(join(root, 'sessions', 'r.jsonl'), tokenCount('2026-05-17T15:20:19.304Z', null) + '\n')
    expect(readCodexRateLimits([join(root, 'sessions'), join(root, 'missing')])).toBeNull()
    expect(planLimits(tempDir(), [join(root, 'sessions')])).toEqual({ codex: null, claude: null, claudeSession: null })
  })
})
