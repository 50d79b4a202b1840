/** A counter that moves when usage changes: put it in a data key and the data refetches. */
import { useEffect, useState } from 'react'
import type { AppApi } from '../../../shared/contract'

/** Bursts of change events (a backfill, a busy agent) collapse into one refetch per `debounceMs`. */
export function useLiveTick(api: AppApi, debounceMs = 400): number {
  const [tick, setTick] = useState(0)
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const off = api.onChange(() => {
      if (timer !== undefined) return
      timer = setTimeout(() => {
        timer = undefined
        setTick((t) => t + 1)
      }, debounceMs)
    })
    return () => {
      off()
      if (timer !== undefined) clearTimeout(timer)
    }
  }, [api, debounceMs])
  return tick
}
