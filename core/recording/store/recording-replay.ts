// Opening a terminal (or file-transfer) recording for replay: the files the reader reads, plain
// or sealed, and keeping the screen index a first replay draws. Its own file because a legacy
// cast and an encrypted container reach the same reader by different roads.
import { promises as fs } from 'node:fs';
import type { Actor } from '../../authz/actor.ts';
import { ValidationError, firstLine } from '../../errors.ts';
import type { RecordingRow } from '../../storage/repos/index.ts';
import { bufferSource, openFileSource, type ByteSource } from '../byte-source.ts';
import type { OpenedContainer } from '../container-reader.ts';
import { INDEX_SUFFIX } from '../index-format.ts';
import { unreadableError } from '../recording-elsewhere.ts';
import { transferCast } from '../recording-export.ts';
import { RecordingReader, type RecordingSources } from '../recording-reader.ts';
import { SCREENS_SUFFIX } from '../screen-index-file.ts';
import { openBlob, sealBlob } from '../sealed-blob.ts';
import { writeBeside } from '../write-beside.ts';
import { authorisedRead } from './recording-access.ts';
import type { StoreParts } from './store-parts.ts';

/**
 * A recording opened for replay: the same permission and the same `recording.export` audit row
 * as a download, but read a keyframe at a time. A finished recording replayed for the first time
 * gets its screen index drawn and kept next to its cast.
 */
export async function openReplay(store: StoreParts, actor: Actor, id: string): Promise<RecordingReader> {
  const { file, row } = await store.ctx.run(actor, 'recording.export', { kind: 'recording', name: id }, (s) =>
    authorisedRead(store, actor, id, 'asciicast', s, true),
  );
  const reader = await RecordingReader.open(await sourcesOf(store, file, row));
  if (reader.rebuilt)
    store.ctx.deps.logger.log('info', 'replay draws the screens of a recording in one pass', {
      recording: id,
      reason: reader.rebuilt,
    });
  return reader;
}

/** The files of a recording, opened for reading (the screen index only once it is finished). */
async function sourcesOf(store: StoreParts, file: string, row: RecordingRow): Promise<RecordingSources> {
  const container = await store.openContainer(row);
  if (container) return containerSources(store, container, file, row);
  const cast = await openFileSource(file);
  if (!cast) throw await unreadableError(store.ctx, row, 'ENOENT');
  const finished = row.status !== 'recording';
  const [index, screens] = await Promise.all([
    openFileSource(file + INDEX_SUFFIX),
    finished ? openFileSource(file + SCREENS_SUFFIX) : Promise.resolve(undefined),
  ]).catch(async (e: unknown) => {
    await cast.close();
    throw e;
  });
  return {
    cast,
    index,
    screens,
    saveScreens: finished ? keepScreens(store, file, row, (data) => data) : undefined,
  };
}

/** An encrypted recording's cast, side index and (sealed) screen index. */
async function containerSources(
  store: StoreParts,
  c: OpenedContainer,
  file: string,
  row: RecordingRow,
): Promise<RecordingSources> {
  if (c.scan.header.kind === 'desktop') {
    await c.close();
    throw new ValidationError(`recording '${row.id}' is a desktop recording: it plays in the desktop player`);
  }
  if (c.scan.header.kind === 'file-transfer') {
    // A file transfer has no screen: the players show its operations, a line each, as output.
    const cast = await transferCast(c, row);
    await c.close();
    return { cast: bufferSource(cast) };
  }
  const finished = row.status !== 'recording';
  const key = (await store.dataKeyOf(row.id))!;
  let screens: ByteSource | undefined;
  if (finished) {
    const sealed = await fs.readFile(file + SCREENS_SUFFIX).catch(() => undefined);
    const plain = sealed && openBlob(key, row.id, 'screens', sealed);
    // A screen index that does not open is as good as none: the reader draws the screens again.
    if (plain) screens = bufferSource(plain);
    else if (sealed) screens = bufferSource(Buffer.from('sealed screen index does not open'));
  }
  return {
    cast: c.castSource(),
    index: () => c.sideIndex(),
    screens,
    saveScreens: finished
      ? keepScreens(store, file, row, (data) => sealBlob(key, row.id, 'screens', data))
      : undefined,
  };
}

/**
 * Keeps a drawn screen index beside the recording (as `encode` makes it: plain for a legacy
 * cast, sealed for a container); a failure is logged and passed on to the reader.
 */
function keepScreens(
  store: StoreParts,
  file: string,
  row: RecordingRow,
  encode: (data: Buffer) => Buffer,
): (data: Buffer) => Promise<void> {
  const logger = store.ctx.deps.logger;
  return async (data) => {
    try {
      await writeBeside(file + SCREENS_SUFFIX, encode(data), store.ctx.ids.next());
    } catch (e) {
      logger.log('warn', 'cannot keep the screen index of a recording', {
        recording: row.id,
        error: firstLine(e),
      });
      throw e;
    }
  };
}
