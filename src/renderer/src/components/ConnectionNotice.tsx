import { type JSX, useEffect, useState } from 'react'
import { formatDateTime } from '../lib/format'
import type { LinkState, ServerLink } from '../lib/server-link'

/** Says when the server stopped answering (figures frozen, reconnecting) or restarted (a new link needed). */
export function ConnectionNotice({ link, tz }: { link: ServerLink; tz: string }): JSX.Element | null {
  const [state, setState] = useState<LinkState>(link.state)
  useEffect(() => {
    setState(link.state)
    return link.subscribe(setState)
  }, [link])
  switch (state.kind) {
    case 'live':
      return null
    case 'lost':
      return (
        <p className="notice notice-error" role="alert" data-testid="connection-lost">
          <strong>The Token Watch server stopped answering</strong> at {formatDateTime(state.since, tz)}: the figures below are from then.
          Reconnecting… (is <code>tokenwatch serve</code> still running?)
        </p>
      )
    case 'signed-out':
      return (
        <p className="notice notice-error" role="alert" data-testid="connection-signed-out">
          <strong>The Token Watch server restarted</strong>, so this page&apos;s access ended: open the new link it printed (
          <code>tokenwatch serve</code> shows it at start). The view you had is kept in this address.
        </p>
      )
    default:
      return null
  }
}
