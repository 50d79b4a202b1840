/** How a session is named on screen; implicit sessions (pushed events without an id) say so. */
import type { SessionSummary } from '../../../shared/contract'
import { implicitSessionHour } from '../../../shared/implicit-session'
import { formatDateTime } from './format'

/** "Session <id>", or "No session id: my-agent, alice, from Mar 5, 14:00" for an implicit one. */
export function sessionLabel(s: Pick<SessionSummary, 'sessionId' | 'agentId' | 'userId'>, tz: string): string {
  const hour = implicitSessionHour(s.sessionId)
  if (hour === null) return `Session ${s.sessionId}`
  return `No session id: ${s.agentId}, ${s.userId}, the hour from ${formatDateTime(hour, tz)}`
}
