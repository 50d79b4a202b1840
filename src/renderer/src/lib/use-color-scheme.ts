/** Media-query hooks, so canvas charts (which cannot use CSS) follow the page's scheme and motion. */
import { useEffect, useState } from 'react'

/** Whether `query` matches, kept current. */
export function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches)
  useEffect(() => {
    const mq = window.matchMedia(query)
    const on = (): void => setMatches(mq.matches)
    on()
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [query])
  return matches
}

export type Scheme = 'light' | 'dark'

export function useColorScheme(): Scheme {
  return useMediaQuery('(prefers-color-scheme: dark)') ? 'dark' : 'light'
}

export function useReducedMotion(): boolean {
  return useMediaQuery('(prefers-reduced-motion: reduce)')
}

/** Axis, grid and text colours for charts in each scheme (mirrors styles.css). */
export const CHART_THEME: Record<Scheme, { text: string; grid: string; muted: string }> = {
  light: { text: '#1f2328', grid: 'rgba(31, 35, 40, 0.08)', muted: '#59636e' },
  dark: { text: '#e6e8eb', grid: 'rgba(230, 232, 235, 0.10)', muted: '#9aa4af' },
}
