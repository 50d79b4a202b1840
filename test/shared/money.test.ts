/** The one cost precision rule shown to people: cents, "<$0.01" for a tiny cost, never $0.00 for one. */
import { describe, expect, it } from 'vitest'
import { formatCents } from '../../src/shared/money'
import { formatUsd as trayUsd } from '../../src/main/format'

describe('formatCents', () => {
  it('rounds to the cent and never shows a non-zero cost as $0.00', () => {
    expect([0, 0.0003, 0.0049, 0.005, 0.994, 0.995, 1234.5].map((n) => formatCents(n))).toEqual([
      '$0.00',
      '<$0.01',
      '<$0.01',
      '$0.01',
      '$0.99',
      '$1.00',
      '$1234.50',
    ])
    // The locale's money format keeps the rule (the tray's menu and tooltip use it).
    expect([trayUsd(0.0003, 'de-DE').replace('\u00a0', ' '), trayUsd(1234.5, 'en-US'), trayUsd(0, 'en-US')]).toEqual([
      '<0,01 $',
      '$1,234.50',
      '$0.00',
    ])
  })
})
