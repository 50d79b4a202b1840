/** The offset fingerprint: a hash of the bytes before a file's read offset, never the bytes. */
import { createHash } from 'node:crypto'

/** Marks a hashed fingerprint (v7 on); an unmarked non-empty one is the old hex of the bytes. */
export const FINGERPRINT_PREFIX = 'sha256:'

/**
 * The fingerprint stored for `bytes` (the up to 64 bytes just before the offset). A log line can
 * hold a secret, so the store keeps only a SHA-256 of them; nothing before offset 0 is ''.
 */
export function fingerprintOf(bytes: Buffer): string {
  if (bytes.length === 0) return ''
  return FINGERPRINT_PREFIX + createHash('sha256').update(bytes).digest('hex')
}
