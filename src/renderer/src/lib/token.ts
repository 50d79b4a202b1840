/** The headless server's per-launch token: read once from the URL, then kept for this tab only. */

const KEY = 'tokenwatch.token'

/**
 * Takes `?token=` from the address bar into sessionStorage and removes it from the visible URL
 * (and so from history and bookmarks). Returns the token to use, or null when there is none.
 */
export function takeToken(
  loc: Location = window.location,
  storage: Storage = window.sessionStorage,
  hist: History = window.history,
): string | null {
  const params = new URLSearchParams(loc.search)
  const fromUrl = params.get('token')
  if (fromUrl !== null && fromUrl !== '') {
    try {
      storage.setItem(KEY, fromUrl)
    } catch {
      // Storage may be disabled; the token still works for this page's lifetime.
    }
    params.delete('token')
    const rest = params.toString()
    hist.replaceState(hist.state, '', `${loc.pathname}${rest === '' ? '' : `?${rest}`}${loc.hash}`)
    return fromUrl
  }
  try {
    return storage.getItem(KEY)
  } catch {
    return null
  }
}
