/**
 * The rule for pushed events that name no session (docs/PROTOCOL.md, "Sessions"): they belong to
 * an implicit session per agent, user and UTC hour, so two agents (or two users) never merge
 * into one blank session, and a long-running sender's usage splits into hour-long pieces.
 */

const PREFIX = 'implicit:'
const HOUR_MS = 3_600_000

/** The implicit session id of an event at `ts` from `agentId` for `userId`. */
export function implicitSessionId(agentId: string, userId: string, ts: number): string {
  const hour = new Date(Math.floor(ts / HOUR_MS) * HOUR_MS).toISOString().slice(0, 13)
  // The agent and user are escaped so that neither can forge another pair's id.
  return `${PREFIX}${encodeURIComponent(agentId)}:${encodeURIComponent(userId)}:${hour}Z`
}

/** The UTC hour (epoch ms) an implicit session id stands for; null for any other id. */
export function implicitSessionHour(sessionId: string): number | null {
  if (!sessionId.startsWith(PREFIX)) return null
  const m = /:(\d{4})-(\d{2})-(\d{2})T(\d{2})Z$/.exec(sessionId)
  if (m === null) return null
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]))
}
