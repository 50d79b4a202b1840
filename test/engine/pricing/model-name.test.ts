import { describe, expect, it } from 'vitest'
import { nameCandidates, normalizeModelName } from '../../../src/engine/pricing/model-name'

describe('nameCandidates', () => {
  it('strips a routing prefix, the Bedrock region/vendor prefix, the version and the date, in that order', () => {
    expect(nameCandidates('bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0')).toEqual({
      names: [
        'bedrock/us.anthropic.claude-sonnet-4-20250514-v1:0',
        'claude-sonnet-4-20250514-v1:0',
        'claude-sonnet-4-20250514',
        'claude-sonnet-4',
      ],
      base: 'claude-sonnet-4',
      dated: true,
    })
  })

  it('strips Claude Code context suffixes and Vertex @dates', () => {
    expect(nameCandidates('claude-opus-4-6[1m]').names).toEqual(['claude-opus-4-6[1m]', 'claude-opus-4-6'])
    expect(nameCandidates('vertex_ai/claude-opus-4-1@20250805').base).toBe('claude-opus-4-1')
  })

  it('knows ISO dates but leaves version numbers and undated names alone', () => {
    expect(nameCandidates('gpt-5-2025-08-07')).toEqual({ names: ['gpt-5-2025-08-07', 'gpt-5'], base: 'gpt-5', dated: true })
    expect(nameCandidates('gpt-5.2-codex')).toEqual({ names: ['gpt-5.2-codex'], base: 'gpt-5.2-codex', dated: false })
    expect(nameCandidates('claude-v1').base).toBe('claude-v1')
    expect(nameCandidates('gpt-4-0613').base).toBe('gpt-4-0613')
  })

  it('lower-cases and trims', () => {
    expect(normalizeModelName('  OpenAI/GPT-5.5 ')).toBe('gpt-5.5')
  })
})
