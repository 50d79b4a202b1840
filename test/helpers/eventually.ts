/** Resolves once `check` stops throwing (polling real state, not sleeping blindly); rethrows after `ms`. */
export async function eventually(check: () => void, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  for (;;) {
    try {
      check()
      return
    } catch (err) {
      if (Date.now() > end) throw err
      await new Promise((r) => setTimeout(r, 20))
    }
  }
}
