/**
 * What the gateway records a session through, whatever the session carries. A terminal session
 * gets an asciicast writer, a file transfer a file-transfer recorder; a session that is not
 * recorded (port forwards) gets the discard recorder, so the data paths call the same methods either way and never test for a
 * missing recorder. A desktop recorder (screen updates, input) extends `SessionRecorder` the way
 * `TerminalRecorder` does, next to it.
 */
import type { BitmapRect, DesktopInput } from '../../protocols/rdp/types.ts';
import type { TransferOp } from './file-transfer-format.ts';
import type { RecordingSummary } from './types.ts';

export interface SessionRecorder {
  /** The recording's id, or null when nothing is being recorded. */
  readonly id: string | null;
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
  /** Finishes the recording; undefined when there was none. */
  close(): Promise<RecordingSummary | undefined>;
}

/** A terminal's recording: output, input and window sizes (asciicast `o`, `i`, `r`). */
export interface TerminalRecorder extends SessionRecorder {
  /** Target output (what the operator sees). */
  output(data: Buffer): void;
  /** Operator input. */
  input(data: Buffer): void;
  resize(cols: number, rows: number): void;
  /**
   * A named moment (asciicast `m`): session start, a shadow joining or leaving, a termination,
   * the check-out ending, a detected command. Players list them and seek to them. The label is
   * other people's text only in part (a command line), so writers store it neutralised.
   */
  marker(label: string): void;
}

/**
 * A file transfer's recording (SFTP, scp over SFTP): each operation with its file names, offsets,
 * sizes and result (file-transfer-format.ts), and the bytes read or written only when
 * `recordsContents` (a per-resource setting).
 */
export interface FileTransferRecorder extends SessionRecorder {
  readonly recordsContents: boolean;
  operation(op: Omit<TransferOp, 't'>): void;
}

/**
 * A desktop's recording (RDP): the server's bitmap rectangles as sent, the operator's input (keys
 * as scancodes: the gateway never types a credential into a desktop, so every key is the
 * operator's own, as terminal input is), desktop sizes and named moments, with a full-screen
 * keyframe every few seconds so replay can seek (desktop-writer.ts).
 */
export interface DesktopRecorder extends SessionRecorder {
  /** What the server painted, in the order it arrived. */
  update(rects: readonly BitmapRect[]): void;
  input(ev: DesktopInput): void;
  resize(width: number, height: number): void;
  /** A named moment (shadow joined, terminated…); stored neutralised, as terminal markers are. */
  marker(label: string): void;
}

/** What every recorder does when recording is off: takes everything, keeps nothing, never fails. */
function discardLifecycle() {
  return {
    id: null,
    input: () => undefined,
    resize: () => undefined,
    marker: () => undefined,
    suspend: () => undefined,
    resume: () => undefined,
    onFailure: () => undefined,
    backlog: () => 0,
    drained: () => Promise.resolve(),
    committed: () => Promise.resolve(true),
    close: () => Promise.resolve(undefined),
  } as const;
}

/** Desktop recording off: takes everything, keeps nothing, never fails. */
export function discardDesktopRecorder(): DesktopRecorder {
  return { ...discardLifecycle(), update: () => undefined };
}

/** Recording off: takes everything, keeps nothing, never fails. */
export function discardRecorder(): TerminalRecorder {
  return { ...discardLifecycle(), output: () => undefined };
}
