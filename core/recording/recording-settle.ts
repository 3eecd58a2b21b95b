// Settling at start-up the recordings a killed node left as `recording`: its own file because it
// runs once, before the gateway takes sessions, and seals what it finds rather than writing.
import { promises as fs } from 'node:fs';
import type { CoreContext } from '../context.ts';
import { firstLine } from '../errors.ts';
import type { RecordingRow } from '../storage/repos/index.ts';
import { castFacts } from './cast-facts.ts';
import { castLines, parseEvent } from './cast-lines.ts';
import { RECORD } from './container-format.ts';
import type { OpenedContainer } from './container-reader.ts';
import { sealCutShort } from './container-seal.ts';
import { DesktopReader } from './desktop-reader.ts';
import type { SigningKey } from './signing-key.ts';

/** What settling needs of the recording store. */
export interface SettlingStore {
  readonly ctx: CoreContext;
  pathOf(row: RecordingRow): string;
  openContainer(row: RecordingRow): Promise<OpenedContainer | undefined>;
  signer(): Promise<SigningKey>;
}

/**
 * Settles recordings a killed node left as `recording` (otherwise they would show as live
 * forever): called once at server start, before the gateway takes sessions, so no row is live.
 * Bytes come from the file, the duration from the last complete event, the state is
 * `interrupted`; each is audited as `recording.interrupted`. A missing file settles with 0 bytes.
 *
 * In a cluster the database is shared but each node writes its own recordings: `isMine` keeps
 * the rows of this node's sessions, so a node starting never settles (nor seals) a recording
 * another node is still writing. A dead node's recordings are sealed when it starts again.
 */
export async function settleInterrupted(
  store: SettlingStore,
  open: ReadonlySet<string>,
  isMine: (row: RecordingRow) => Promise<boolean>,
): Promise<RecordingRow[]> {
  const rows: RecordingRow[] = [];
  for (const row of await store.ctx.store.read((r) => r.recordings.unfinished()))
    if (!open.has(row.id) && (await isMine(row))) rows.push(row);
  const settled: RecordingRow[] = [];
  for (const row of rows) {
    const { bytes, events, lastAt } = await factsOf(store, row);
    const endedAt = new Date(Date.parse(row.startedAt) + Math.round(lastAt * 1000)).toISOString();
    await store.ctx.store.tx(async (r) => {
      await r.recordings.finish(row.id, { endedAt, bytes, events, status: 'interrupted' });
      await store.ctx.auditLog.append(r, {
        type: 'recording.interrupted',
        actor: 'system',
        source: 'startup',
        target: { kind: 'recording', name: row.id },
        result: 'success',
        details: { session: row.sessionId, user: row.user, target: row.target, bytes, events, endedAt },
      });
    });
    settled.push({ ...row, endedAt, bytes, events, status: 'interrupted' });
  }
  return settled;
}

/**
 * Size, events and last event time of a recording its node stopped writing; an encrypted one is
 * sealed here as cut short (container-seal.ts), so verify tells the crash from tampering.
 */
async function factsOf(
  store: SettlingStore,
  row: RecordingRow,
): Promise<{ bytes: number; events: number; lastAt: number }> {
  const file = store.pathOf(row);
  let c: OpenedContainer | undefined;
  try {
    c = await store.openContainer(row);
  } catch {
    return { bytes: 0, events: 0, lastAt: 0 };
  }
  if (!c) return castFacts(file);
  let events = 0;
  let castBytes = 0;
  try {
    castBytes = c.castBytes;
    if (c.scan.header.kind === 'file-transfer')
      events = (await c.collect(RECORD.transfer)).toString('utf8').split('\n').filter(Boolean).length;
    else if (c.scan.header.kind === 'desktop') events = await new DesktopReader(c).countEvents();
    else for await (const line of castLines(c.castSource(), 0)) if (parseEvent(line.text)) events++;
  } catch (e) {
    store.ctx.deps.logger.log('warn', 'a recording left open does not decrypt whole', {
      recording: row.id,
      error: firstLine(e),
    });
  } finally {
    await c.close();
  }
  const sealed = await sealCutShort(file, row.id, await store.signer(), store.ctx.clock.now(), {
    castBytes,
    events,
  });
  if (!sealed.sealed)
    store.ctx.deps.logger.log('warn', 'a recording left open is not sealed', {
      recording: row.id,
      why: sealed.why,
    });
  const bytes = (await fs.stat(file).catch(() => undefined))?.size ?? 0;
  return { bytes, events, lastAt: c.lastT };
}
