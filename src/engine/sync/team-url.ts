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
