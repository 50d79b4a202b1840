/** Request checks for the loopback web server: Host (DNS rebinding), Origin and the launch token. */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** The page's policy, sent as a header on every response (index.html carries the same as a meta). */
export const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'"

/** The header the page sends its token in. */
export const TOKEN_HEADER = 'x-tokenwatch-token'

/** A fresh per-launch secret: 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

/** True for addresses that only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host)
}

/** The Host header values this server answers to. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`])
}

/**
 * A rebound DNS name reaches us with its own name in Host; refuse anything but our loopback names.
 */
export function hostAllowed(req: IncomingMessage, hosts: Set<string>): boolean {
  const host = req.headers.host
  return typeof host === 'string' && hosts.has(host.toLowerCase())
}

/** No Origin (same-origin GET, curl) is fine; any Origin must be one of ours. `null` is foreign. */
export function originAllowed(req: IncomingMessage, hosts: Set<string>): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true
  for (const h of hosts) if (origin.toLowerCase() === `http://${h}`) return true
  return false
}

/** Constant-time comparison so the token cannot be guessed byte by byte. */
export function tokenMatches(given: string | null | undefined, token: string): boolean {
  if (typeof given !== 'string') return false
  const a = Buffer.from(given)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}
