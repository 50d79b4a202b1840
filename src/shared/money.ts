/**
 * The one cost precision rule (docs/DASHBOARD.md, "Money"): amounts shown to people are dollars
 * and cents, rounded to the nearest cent, and a non-zero amount under half a cent reads "<$0.01",
 * never "$0.00". Exports (CSV, --json) carry the exact amount (usdText in engine/export/csv.ts).
 */

/** Below this a non-zero cost would round to $0.00: it is shown as "<$0.01" instead. */
export const UNDER_A_CENT = 0.005

/** `$12.35`, `$0.00`, `<$0.01`; `money` formats a dollar amount with cents (default: `$1234.50`). */
export function formatCents(usd: number, money: (n: number) => string = (n) => `$${n.toFixed(2)}`): string {
  if (usd > 0 && usd < UNDER_A_CENT) return `<${money(0.01)}`
  return money(roundToCent(usd))
}

/** Half a cent rounds up, as written in decimal: 0.995 → 1.00 (the float 0.995 is a hair below). */
export function roundToCent(usd: number): number {
  return Math.round(Number((usd * 100).toPrecision(12))) / 100
}
