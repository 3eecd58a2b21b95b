// The formats a recording exports in and what an export hands back: their own file because the
// store, the export code and the CLI all name them, and none of them needs the store to do so.
import type { Readable } from 'node:stream';

/**
 * asciicast: what the player plays; raw: the target's output byte for byte (exec output that is
 * not text); bundle: the encrypted recording, manifest and public key, for an offline verifier;
 * text / json: the operations of a file-transfer recording; png: a desktop recording's screen at
 * one moment.
 */
export type RecordingFormat = 'asciicast' | 'raw' | 'bundle' | 'text' | 'json' | 'png';
export const RECORDING_FORMATS: readonly RecordingFormat[] = [
  'asciicast',
  'raw',
  'bundle',
  'text',
  'json',
  'png',
];

export interface RecordingExport {
  id: string;
  format: RecordingFormat;
  /** Absolute path of the recording's file. */
  path: string;
  /** Bytes the export holds. */
  bytes: number;
  /** The moment a png still shows, in seconds. */
  at?: number;
  /** Streams the export (one stream per call). */
  open(): Readable;
}
