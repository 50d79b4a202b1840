/** Loads data for a key; keeps the last result while reloading so live updates do not flash. */
import { useEffect, useRef, useState } from 'react'

export interface AsyncState<T> {
  data: T | undefined
  error: string | undefined
  loading: boolean
}

/** Runs `load` whenever `key` changes (null = do nothing); late answers for old keys are dropped. */
export function useAsync<T>(key: string | null, load: () => Promise<T>): AsyncState<T> {
  const [state, setState] = useState<AsyncState<T>>({ data: undefined, error: undefined, loading: key !== null })
  const loadRef = useRef(load)
  loadRef.current = load
  useEffect(() => {
    if (key === null) return
    let current = true
    setState((s) => ({ ...s, loading: true }))
    loadRef.current().then(
      (data) => current && setState({ data, error: undefined, loading: false }),
      (e: unknown) => current && setState((s) => ({ data: s.data, error: e instanceof Error ? e.message : String(e), loading: false })),
    )
    return () => {
      current = false
    }
  }, [key])
  return state
}
