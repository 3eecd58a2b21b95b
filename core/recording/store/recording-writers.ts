// The three writers a session can record with (terminal, file transfer, desktop), each started
// the one way recording-start.ts does. Its own file because this is where a writer's options
// (flush interval, timers, the node's byte metrics) are passed on, the same for each.
import { AsciicastWriter } from '../asciicast-writer.ts';
import type { FramebufferFactory } from '../desktop-screen.ts';
import { DesktopWriter } from '../desktop-writer.ts';
import { FileTransferWriter } from '../file-transfer-writer.ts';
import type { RecordingFailurePolicy, RecordingMeta } from '../types.ts';
import type { DesktopSize } from '../../../protocols/rdp/types.ts';
import { startRecording, type StartingStore } from './recording-start.ts';

/** A terminal session's recording (asciicast inside the container). */
export function openTerminalWriter(
  store: StartingStore,
  meta: RecordingMeta,
  policy: RecordingFailurePolicy,
): Promise<AsciicastWriter> {
  const { ctx, options } = store;
  return startRecording(store, meta, policy, 'terminal', (c) =>
    AsciicastWriter.create({
      id: c.id,
      castPath: c.file,
      meta,
      clock: ctx.clock,
      policy,
      openSink: c.openSink,
      // The node's metrics count recording bytes as they reach the file.
      onWritten: (bytes) => {
        for (const observe of ctx.recordingObservers) observe(bytes);
      },
      ...(options.flushIntervalMs ? { flushIntervalMs: options.flushIntervalMs } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      onClosed: c.onClosed,
    }),
  );
}

/** A file transfer's recording: its operations, and the file contents only when `recordsContents`. */
export function openFileTransferWriter(
  store: StartingStore,
  meta: RecordingMeta,
  policy: RecordingFailurePolicy,
  recordsContents: boolean,
): Promise<FileTransferWriter> {
  const { ctx, options } = store;
  return startRecording(store, meta, policy, 'file-transfer', async (c) => {
    const sink = await c.openSink();
    return new FileTransferWriter({
      id: c.id,
      path: c.file,
      clock: ctx.clock,
      policy,
      recordsContents,
      sink,
      ...(options.flushIntervalMs ? { flushIntervalMs: options.flushIntervalMs } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      onClosed: c.onClosed,
    });
  });
}

/** A desktop's recording: rectangles, input, sizes and markers, keyframes drawn by `framebuffer`. */
export function openDesktopWriter(
  store: StartingStore,
  meta: RecordingMeta,
  policy: RecordingFailurePolicy,
  desktop: { size: DesktopSize; framebuffer?: FramebufferFactory; keyframeIntervalMs?: number },
): Promise<DesktopWriter> {
  const { ctx, options } = store;
  return startRecording(store, meta, policy, 'desktop', async (c) => {
    const sink = await c.openSink();
    return new DesktopWriter({
      id: c.id,
      path: c.file,
      clock: ctx.clock,
      policy,
      sink,
      size: desktop.size,
      ...(desktop.framebuffer ? { framebuffer: desktop.framebuffer } : {}),
      ...(desktop.keyframeIntervalMs ? { keyframeIntervalMs: desktop.keyframeIntervalMs } : {}),
      onWritten: (bytes) => {
        for (const observe of ctx.recordingObservers) observe(bytes);
      },
      ...(options.flushIntervalMs ? { flushIntervalMs: options.flushIntervalMs } : {}),
      ...(options.timers ? { timers: options.timers } : {}),
      onClosed: c.onClosed,
    });
  });
}
