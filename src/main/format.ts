/** Money and token counts as the tray shows them. Pure; the engine hands us USD as numbers. */

const USD = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' })

/** Full amount with cents: `$1,234.56`. */
export function formatUsd(costUsd: number): string {
  return USD.format(costUsd)
}

/**
 * The amount in at most five glyphs, for a 16 or 32 px icon: `$9.99`, `$12.3`, `$999`, `$1.2k`,
 * `$12k`, `$1.2M`. Each tier is picked on the rounded value, so $9.996 reads `$10.0`, not `$10.00`.
 */
export function compactUsd(costUsd: number): string {
  const c = Math.max(0, costUsd)
  const cents = Math.round(c * 100)
  if (cents < 1000) return `$${(cents / 100).toFixed(2)}`
  const dimes = Math.round(c * 10)
  if (dimes < 1000) return `$${(dimes / 10).toFixed(1)}`
  const dollars = Math.round(c)
  if (dollars < 1000) return `$${dollars}`
  const hundreds = Math.round(c / 100)
  if (hundreds < 100) return `$${(hundreds / 10).toFixed(1)}k`
  const thousands = Math.round(c / 1000)
  if (thousands < 1000) return `$${thousands}k`
  const tenthMillions = Math.round(c / 100_000)
  if (tenthMillions < 100) return `$${(tenthMillions / 10).toFixed(1)}M`
  return `$${Math.round(c / 1_000_000)}M`
}

/** Token counts: `950`, `12.3k`, `4.5M`, `1.2B` (rounding never shows `1000k`). */
export function formatTokens(n: number): string {
  if (Math.round(n) < 1000) return String(Math.round(n))
  const units: [number, string][] = [[1e3, 'k'], [1e6, 'M'], [1e9, 'B']]
  for (const [i, [size, unit]] of units.entries()) {
    const v = n / size
    const shown = v >= 99.95 ? Math.round(v) : Number(v.toFixed(1))
    if (shown < 1000 || i === units.length - 1) return `${shown}${unit}`
  }
  return String(n)
}
