// What a recording holds, read the way core reads it (decrypted a chunk at a time), for tests
// that look inside: the cast text, and its size. Not audited: this is the test looking, not an
// operator exporting.
import { readFile } from 'node:fs/promises';
import type { RecordingStore } from '../../core/index.ts';
import type { RecordingRow } from '../../core/storage/repos/index.ts';

export async function castTextOf(store: RecordingStore, row: RecordingRow): Promise<string> {
  const c = await store.openContainer(row);
  if (!c) return readFile(store.pathOf(row), 'utf8');
  try {
    const src = c.castSource();
    return (await src.read(0, src.size)).toString('utf8');
  } finally {
    await c.close();
  }
}
