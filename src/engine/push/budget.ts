/** A server-wide cap on input awaiting replies, so many connections together stay bounded. */

/** Shared by every connection of one server. */
export interface PendingBudget {
  /** Whether a connection already holding `own` bytes must wait before reading more. */
  mustWait(own: number): boolean
  take(n: number): void
  /** Returns bytes; wakes waiting connections once the total is under the limit again. */
  give(n: number): void
  /** Calls `wake` (once) when the budget frees up. */
  wait(wake: () => void): void
  readonly used: number
}

/** Creates a budget of `limit` bytes. */
export function createBudget(limit: number): PendingBudget {
  let used = 0
  let waiters = new Set<() => void>()
  return {
    // A connection with nothing pending may always read: no one starves, and the overshoot is
    // at most one chunk per connection.
    mustWait: (own) => own > 0 && used > limit,
    take(n) {
      used += n
    },
    give(n) {
      used -= n
      if (used <= limit && waiters.size > 0) {
        const woken = waiters
        waiters = new Set()
        for (const w of woken) w()
      }
    },
    wait(wake) {
      waiters.add(wake)
    },
    get used() {
      return used
    },
  }
}
