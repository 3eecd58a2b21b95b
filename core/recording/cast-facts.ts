// Reads the size, event count and last event time of a plain (pre-encryption) cast file: its own
// file because only settling a recording left open needs it, and it knows nothing of containers.
import { promises as fs } from 'node:fs';

/** Size, event count and the time of the last complete event (seconds) of a cast file. */
export async function castFacts(file: string): Promise<{ bytes: number; events: number; lastAt: number }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return { bytes: 0, events: 0, lastAt: 0 };
  }
  let events = 0;
  let lastAt = 0;
  const lines = text.split('\n');
  for (const line of lines.slice(1)) {
    if (!line.startsWith('[')) continue;
    try {
      const ev = JSON.parse(line) as unknown;
      if (Array.isArray(ev) && typeof ev[0] === 'number') {
        events++;
        lastAt = Math.max(lastAt, ev[0]);
      }
    } catch {
      // A torn last line (the node died mid-write) is not an event.
    }
  }
  return { bytes: Buffer.byteLength(text), events, lastAt };
}
