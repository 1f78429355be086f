const scratch = Buffer.allocUnsafe(512)

/**
 * A copy of an ASCII string (a hash, a cookie id) as one flat string of its own. The
 * hashes a context keeps are slices of a longer digest (`base64url` of 32 bytes cut to 22
 * characters) and a new cookie id is a concatenation: V8 keeps such a string as a view
 * holding the whole parent alive, ~96 bytes where the copy takes 40 (bench/context-memory.ts).
 * A copy costs ~0.2 µs, so the engine makes one only when a context keeps a new value.
 */
export function flatString(s: string): string {
  if (s.length > scratch.length) return s
  const n = scratch.write(s, 0, 'latin1')
  return scratch.toString('latin1', 0, n)
}
