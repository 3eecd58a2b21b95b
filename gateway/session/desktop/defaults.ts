// What a desktop session uses when the gateway is given nothing better: recording off (the
// discard recorder, so the data path never tests for a missing one).
import { discardRecorder } from '../../../core/index.ts';
import type { DesktopRecording } from './types.ts';

export function discardDesktopRecording(): DesktopRecording {
  const base = discardRecorder();
  return { ...base, update: () => undefined, input: () => undefined };
}
