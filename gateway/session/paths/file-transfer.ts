// The file-transfer data path: the raw sftp subsystem, piped byte for byte between the operator's
// client and the target's sftp server. It has no screen to watch; what passes is read as SFTP
// (./sftp-observer.ts) and each operation goes to the file-transfer recording, under the same
// failure policy as a terminal's (strict: a reply reaches the client once it is recorded).
import type { FileTransferRecorder, TerminalRecorder } from '../../../core/index.ts';
import type { TargetStream } from '../../connectors/types.ts';
import type { OperatorChannel } from '../types.ts';
import { startByteCopy } from './byte-copy.ts';
import { SftpObserver } from './sftp-observer.ts';
import type { DataPath, PathContext } from './types.ts';

/**
 * The byte copy records through the terminal recorder's face: its output (the server's replies)
 * and input (the client's requests) go to the SFTP reader, everything else to the recording.
 */
export function observedTransfer(recording: FileTransferRecorder): TerminalRecorder {
  const sftp = new SftpObserver(recording);
  return {
    id: recording.id,
    output: (data) => sftp.server(data),
    input: (data) => sftp.client(data),
    resize: () => undefined,
    marker: () => undefined,
    suspend: () => recording.suspend(),
    resume: () => recording.resume(),
    onFailure: (cb) => recording.onFailure(cb),
    backlog: () => recording.backlog(),
    drained: () => recording.drained(),
    committed: () => recording.committed(),
    close: () => recording.close(),
  };
}

export function startFileTransferPath(o: {
  ctx: PathContext;
  channel: OperatorChannel;
  target: TargetStream;
  recorder: TerminalRecorder;
  strict: boolean;
}): DataPath {
  return startByteCopy({ ...o, label: 'sftp' });
}
