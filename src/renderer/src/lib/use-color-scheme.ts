/** Follows prefers-color-scheme, so canvas charts (which cannot use CSS) switch with the page. */
import { useEffect, useState } from 'react'

export type Scheme = 'light' | 'dark'

const query = '(prefers-color-scheme: dark)'

export function useColorScheme(): Scheme {
  const [scheme, setScheme] = useState<Scheme>(() => (window.matchMedia(query).matches ? 'dark' : 'light'))
  useEffect(() => {
    const mq = window.matchMedia(query)
    const on = (): void => setScheme(mq.matches ? 'dark' : 'light')
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [])
  return scheme
}

/** Axis, grid and text colours for charts in each scheme (mirrors styles.css). */
export const CHART_THEME: Record<Scheme, { text: string; grid: string; muted: string }> = {
  light: { text: '#1f2328', grid: 'rgba(31, 35, 40, 0.08)', muted: '#59636e' },
  dark: { text: '#e6e8eb', grid: 'rgba(230, 232, 235, 0.10)', muted: '#9aa4af' },
}
