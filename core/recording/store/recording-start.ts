// Starting a recording, whatever it records: its container file with a fresh data key, its
// `recordings` row, what a write failure logs and audits, and the row's ending on close. Its own
// file because the terminal, file-transfer and desktop writers all start (and end) this one way.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ValidationError, firstLine } from '../../errors.ts';
import { openExclusive } from '../asciicast-writer.ts';
import { containerHeader } from '../container-header.ts';
import { CONTAINER_SUFFIX, type ContainerHeader } from '../container-format.ts';
import type { SessionRecorder } from '../recorder.ts';
import { ContainerSink } from '../recording-sink.ts';
import type { RecordingFailurePolicy, RecordingMeta, RecordingSummary } from '../types.ts';
import { newDataKey } from './recording-keys.ts';
import type { RecordingStoreOptions, StoreParts } from './store-parts.ts';

/** A writer the store keeps until it closes (closeAll, and settling skips it). */
export interface OpenWriter {
  readonly id: string;
  close(): Promise<unknown>;
}

/** What a writer is made from: its id, its file, how to open its container and what to do on close. */
export interface WriterStart {
  id: string;
  file: string;
  openSink: () => Promise<ContainerSink>;
  onClosed: (summary: RecordingSummary, failed: Error | undefined) => Promise<void>;
}

/** What starting needs of the store: its parts, its open writers and its writers' options. */
export interface StartingStore extends StoreParts {
  readonly open: Set<OpenWriter>;
  readonly options: RecordingStoreOptions;
}

/**
 * Creates the container (with a fresh data key) and a row with status 'recording'. On close the
 * row gets ended_at, bytes, events and status 'complete' or 'failed'. A write failure is logged
 * and audited (`recording.fail`); the caller registers onFailure and applies `policy`.
 */
export async function startRecording<
  W extends SessionRecorder & { readonly id: string; close(): Promise<RecordingSummary> },
>(
  store: StartingStore,
  meta: RecordingMeta,
  policy: RecordingFailurePolicy,
  kind: ContainerHeader['kind'],
  make: (c: WriterStart) => Promise<W>,
): Promise<W> {
  const { ctx } = store;
  const id = ctx.ids.next();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(id) || id.startsWith('.'))
    throw new ValidationError(`unusable recording id '${id}'`);
  const started = meta.startedAt;
  const yyyy = String(started.getUTCFullYear()).padStart(4, '0');
  const mm = String(started.getUTCMonth() + 1).padStart(2, '0');
  const rel = path.posix.join(yyyy, mm, `${id}${CONTAINER_SUFFIX}`);
  const file = path.join(store.dir, yyyy, mm, `${id}${CONTAINER_SUFFIX}`);
  await ensureDir(store.dir, path.dirname(file));

  const logger = ctx.deps.logger;
  const { dataKey, sealedKey } = newDataKey(ctx, id);
  const signer = await store.signer();
  const header = containerHeader(id, meta, kind);
  const openFile = store.options.openFile ?? openExclusive;
  const writer: W = await make({
    id,
    file,
    openSink: async () =>
      ContainerSink.create(await openFile(file), {
        header,
        dataKey,
        signer,
        now: () => ctx.clock.now(),
      }),
    onClosed: async (summary, failed) => {
      store.open.delete(writer);
      await finishRow(store, summary, failed);
    },
  });
  writer.onFailure((error) => {
    logger.log(policy === 'strict' ? 'error' : 'warn', 'recording failed', {
      recording: id,
      session: meta.sessionId,
      policy,
      error: firstLine(error),
    });
    void ctx
      .appendStandalone({
        type: 'recording.fail',
        actor: meta.user,
        source: meta.source,
        target: { kind: 'recording', name: id },
        result: 'failure',
        details: { session: meta.sessionId, target: meta.target, policy, error: firstLine(error) },
      })
      .catch((e: unknown) =>
        logger.log('error', 'cannot audit recording failure', { recording: id, error: firstLine(e) }),
      );
  });
  try {
    await ctx.store.tx((r) =>
      r.recordings.insert(
        {
          id,
          sessionId: meta.sessionId,
          user: meta.user,
          target: meta.target,
          protocol: meta.protocol,
          source: meta.source,
          startedAt: started.toISOString(),
          endedAt: null,
          path: rel,
          bytes: 0,
          events: 0,
          status: 'recording',
        },
        sealedKey,
      ),
    );
  } catch (e) {
    await writer.close().catch(() => undefined);
    throw e;
  }
  store.open.add(writer);
  return writer;
}

/** The row of a closed writer: its end, size, event count and whether it failed. */
async function finishRow(
  store: StoreParts,
  summary: RecordingSummary,
  failed: Error | undefined,
): Promise<void> {
  try {
    await store.ctx.store.tx((r) =>
      r.recordings.finish(summary.id, {
        endedAt: store.ctx.now(),
        bytes: summary.bytes,
        events: summary.events,
        status: failed ? 'failed' : 'complete',
      }),
    );
  } catch (e) {
    store.ctx.deps.logger.log('error', 'cannot finish recording row', {
      recording: summary.id,
      error: firstLine(e),
    });
  }
}

async function ensureDir(root: string, dir: string): Promise<void> {
  await fs.mkdir(root, { recursive: true, mode: 0o700 });
  // The year and month folders are ours: 0700 whatever the umask.
  for (const d of [path.dirname(dir), dir]) {
    await fs.mkdir(d, { recursive: true, mode: 0o700 });
    await fs.chmod(d, 0o700);
  }
}
