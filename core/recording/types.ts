/**
 * Session recordings (ARCHITECTURE.md: asciicast v2 with a side index of keyframes). The gateway
 * writes through a RecordingWriter and replay reads through a RecordingReader (recording-reader.ts);
 * only this room touches the files.
 */
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

export interface RecordingWriter {
  readonly id: string;
  /** Target output (what the operator sees). */
  output(data: Buffer): void;
  /** Operator input. */
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /** While the gateway types a credential, nothing is written; resume() ends that. */
  suspend(): void;
  resume(): void;
  /** Called once if writing fails; with the strict policy the gateway ends the session. */
  onFailure(cb: (error: Error) => void): void;
  /** Bytes not yet on disk, and a promise for when they are (backpressure for bulk output). */
  backlog(): number;
  drained(): Promise<void>;
  /**
   * True once everything handed over so far is written to the recording, false if writing failed
   * (the strict policy forwards output to the operator only after this says true).
   */
  committed(): Promise<boolean>;
  close(): Promise<RecordingSummary>;
}
