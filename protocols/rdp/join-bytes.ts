// One message from the parts a channel delivered it in (no Buffer: this module also runs in the
// browser bundle's type world).

/** The parts, in order, copied into one array of `length` bytes (their total). */
export function joinBytes(parts: readonly Uint8Array[], length: number): Uint8Array {
  const message = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    message.set(p, at);
    at += p.length;
  }
  return message;
}
