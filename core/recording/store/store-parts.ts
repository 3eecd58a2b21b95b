// What the recording store's pieces share of it: its context, folder and key look-ups. Its own
// file so each piece (starting writers, reading, verifying, purging) names the little it needs
// of the store instead of reaching into the class.
import type { CoreContext } from '../../context.ts';
import type { AsciicastWriterOptions } from '../asciicast-writer.ts';
import type { RecordingRow, Repos } from '../../storage/repos/index.ts';
import type { OpenedContainer } from '../container-reader.ts';
import type { SigningKey } from '../signing-key.ts';

export interface StoreParts {
  readonly ctx: CoreContext;
  /** The recordings folder, absolute. */
  readonly dir: string;
  /** The absolute file of a row; refuses a path that leaves the recordings folder. */
  pathOf(row: Pick<RecordingRow, 'id' | 'path'>): string;
  /** The recording's own data key, unsealed (undefined for a recording made before encryption). */
  dataKeyOf(id: string, repos?: Repos): Promise<Buffer | undefined>;
  /** A recording's container opened with its key, or undefined for a legacy (plain) recording. */
  openContainer(row: RecordingRow, knownKey?: Buffer): Promise<OpenedContainer | undefined>;
  /** The node's signing key (created on first use). */
  signer(): Promise<SigningKey>;
}

export interface RecordingStoreOptions {
  /** Flush interval of new writers (default 1000 ms). */
  flushIntervalMs?: number;
  /** What wakes the writers' periodic flush (default real time). */
  timers?: AsciicastWriterOptions['timers'];
  /** How writers create their files (tests inject write failures). */
  openFile?: AsciicastWriterOptions['openFile'];
  /** The node's Ed25519 signing key file (default: `keys/recording-signing.key` beside the recordings folder). */
  signingKeyFile?: string;
}
