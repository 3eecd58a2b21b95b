/**
 * Session recordings (asciicast v2 with a side index of keyframes, so replay can seek without
 * reading the whole cast). The gateway
 * writes through a RecordingWriter and replay reads through a RecordingReader (recording-reader.ts);
 * only this room touches the files.
 */
import type { TerminalRecorder } from './recorder.ts';

export type RecordingFailurePolicy = 'strict' | 'best-effort';

export interface RecordingMeta {
  sessionId: string;
  user: string;
  target: string;
  protocol: string;
  cols: number;
  rows: number;
  source: string;
  startedAt: Date;
  /** The client's terminal type (shells); the header says `xterm-256color` when absent or odd. */
  term?: string;
}

export interface RecordingSummary {
  id: string;
  path: string;
  bytes: number;
  events: number;
  durationMs: number;
}

/** The asciicast writer's face: a terminal recorder that always has a recording behind it. */
export interface RecordingWriter extends TerminalRecorder {
  readonly id: string;
  close(): Promise<RecordingSummary>;
}
