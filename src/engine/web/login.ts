/**
 * Signing a browser in without the dashboard token ever reaching a command line or the address
 * bar: `tokenwatch serve` prints a link with a one-time code; opening it trades the code for an
 * HttpOnly, SameSite=Strict cookie and redirects to the bare page. A code works once and expires.
 */
import type { IncomingMessage } from 'node:http'
import { newToken, tokenMatches } from '../http/security'

/** How long a printed link can be opened (ms). */
export const CODE_TTL_MS = 10 * 60_000
/** Codes kept at once; issuing more drops the oldest. */
const MAX_CODES = 16

/** The one-time codes a server has issued and not yet seen used. */
export class LoginCodes {
  private readonly codes = new Map<string, number>()

  constructor(private readonly ttlMs = CODE_TTL_MS) {}

  /** A fresh code, valid for one use within the TTL. */
  issue(now = Date.now()): string {
    const code = newToken()
    this.codes.set(code, now + this.ttlMs)
    while (this.codes.size > MAX_CODES) this.codes.delete(this.codes.keys().next().value as string)
    return code
  }

  /** True once for a code issued less than the TTL ago; it is gone after (used or not). */
  redeem(code: string, now = Date.now()): boolean {
    for (const [c, expires] of this.codes) if (expires <= now) this.codes.delete(c)
    const expires = this.codes.get(code)
    if (expires === undefined) return false
    this.codes.delete(code)
    return true
  }
}

/** The session cookie's name: per port, since browsers share cookies across a host's ports. */
export function cookieName(port: number): string {
  return `tokenwatch_${port}`
}

/** The Set-Cookie value that signs a browser in (for this browser session only). */
export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

/** Whether the request carries this server's session cookie. */
export function hasSession(req: IncomingMessage, port: number, token: string): boolean {
  const header = req.headers.cookie
  if (typeof header !== 'string') return false
  const name = cookieName(port)
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === name && tokenMatches(part.slice(eq + 1).trim(), token)) return true
  }
  return false
}

/** The page a used or expired link gets. */
export const linkSpentHtml = (
  ttlMs: number,
): string => `<!doctype html><html lang="en"><meta charset="utf-8"><title>Token Watch: link used or expired</title>
<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;line-height:1.5">
<h1>This dashboard link was already used or has expired</h1>
<p>Each link that <code>tokenwatch serve</code> prints opens the dashboard once, within ${Math.round(ttlMs / 60_000)} minutes.
It has just printed a new one in its terminal: open that.</p></body></html>`
