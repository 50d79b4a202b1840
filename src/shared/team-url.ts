/** A connection URL with its password replaced, for messages and logs: the password is never shown. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    for (const k of ['password', 'sslpassword']) if (u.searchParams.has(k)) u.searchParams.set(k, '***')
    return u.toString()
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
  }
}

/** Removes every occurrence of the URL's password from a message (drivers may echo parts of it). */
export function scrub(message: string, url: string): string {
  let out = message.split(url).join(redactUrl(url))
  try {
    const pw = decodeURIComponent(new URL(url).password)
    if (pw.length >= 3) out = out.split(pw).join('***')
  } catch {
    // not a URL: nothing more to hide
  }
  return out
}

/** Checks a team database URL: postgres:// or postgresql://, with a database name. */
export function checkTeamUrl(url: string): string | null {
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return 'not a URL (expected postgres://user@host:port/database)'
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') return `expected a postgres:// URL, got ${u.protocol}//`
  return null
}

/** What a team URL's password is shown as outside the engine (`getSettings`, the Settings form). */
export const PASSWORD_MASK = '***'

/**
 * A team URL as a UI receives it: its password (in the userinfo or a `password=` parameter)
 * replaced by PASSWORD_MASK; the engine keeps the real one.
 */
export function maskTeamUrl(url: string): string {
  return url === '' ? url : redactUrl(url)
}

/**
 * The URL a UI sent back, with every PASSWORD_MASK it still holds replaced by the stored URL's
 * password, so saving the form (or editing the host) keeps the password it never saw.
 */
export function unmaskTeamUrl(sent: string, stored: string): string {
  let u: URL
  let s: URL
  try {
    u = new URL(sent)
    s = new URL(stored)
  } catch {
    return sent
  }
  if (u.password === PASSWORD_MASK && s.password) u.password = s.password
  for (const k of ['password', 'sslpassword']) {
    const keep = s.searchParams.get(k)
    if (u.searchParams.get(k) === PASSWORD_MASK && keep !== null) u.searchParams.set(k, keep)
  }
  return u.toString()
}
