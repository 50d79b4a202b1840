/**
 * Money and token counts as the tray shows them, in the app's locale (electron's
 * `app.getLocale()`, passed in). Pure; the engine hands us USD as numbers.
 */
import { formatCents } from '../shared/money'

/** Used when no locale is given or the one given is not a valid language tag. */
export const FALLBACK_LOCALE = 'en-US'

const formats = new Map<string, { usd: Intl.NumberFormat; decimal: Intl.NumberFormat; int: Intl.NumberFormat }>()

/** The number formats for `locale`, made once per locale. */
function formatsFor(locale: string | undefined) {
  const key = locale ?? FALLBACK_LOCALE
  let f = formats.get(key)
  if (!f) {
    let tag = FALLBACK_LOCALE
    try {
      tag = Intl.NumberFormat.supportedLocalesOf(key)[0] ?? FALLBACK_LOCALE
    } catch {
      // Not a well-formed language tag (RangeError): fall back rather than break the tray.
    }
    f = {
      usd: new Intl.NumberFormat(tag, { style: 'currency', currency: 'USD' }),
      decimal: new Intl.NumberFormat(tag, { maximumFractionDigits: 1 }),
      int: new Intl.NumberFormat(tag, { maximumFractionDigits: 0 }),
    }
    formats.set(key, f)
  }
  return f
}

/** Full amount with cents: `$1,234.56` (en-US), `1.234,56 $` (de-DE). */
export function formatUsd(costUsd: number, locale?: string): string {
  return formatCents(costUsd, (n) => formatsFor(locale).usd.format(n))
}

/** A whole number with the locale's grouping: `1,234` (en-US), `1.234` (de-DE). */
export function formatCount(n: number, locale?: string): string {
  return formatsFor(locale).int.format(n)
}

/**
 * The amount in at most five glyphs, for a 16 or 32 px icon: `$9.99`, `$12.3`, `$999`, `$1.2k`,
 * `$12k`, `$1.2M`. Each tier is picked on the rounded value, so $9.996 reads `$10.0`, not `$10.00`.
 * Not localised on purpose: the badge's 5-pixel font has only digits, `.`, `$`, `k` and `M`, and a
 * comma decimal would be one more glyph in a 16 px icon; the tooltip and menu carry the locale's form.
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

/**
 * Token counts: `950`, `12.3k`, `4.5M`, `1.2B` (rounding never shows `1000k`); the number in the
 * locale's digits and decimal sign (`12,3k` in de-DE). The unit letters stay: Intl's compact
 * notation has no short thousands in many locales and would make the menu ragged.
 */
export function formatTokens(n: number, locale?: string): string {
  const f = formatsFor(locale)
  if (Math.round(n) < 1000) return f.int.format(Math.round(n))
  const units: [number, string][] = [
    [1e3, 'k'],
    [1e6, 'M'],
    [1e9, 'B'],
  ]
  for (const [i, [size, unit]] of units.entries()) {
    const v = n / size
    const shown = v >= 99.95 ? Math.round(v) : Number(v.toFixed(1))
    if (shown < 1000 || i === units.length - 1) return `${f.decimal.format(shown)}${unit}`
  }
  return f.int.format(n)
}
