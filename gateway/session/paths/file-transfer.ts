// The file-transfer data path: the raw sftp subsystem, piped byte for byte between the operator's
// client and the target's sftp server. It is not recorded (the recorder is the discard one; the
// audit rows carry the bytes), and it has no screen to watch.
import { discardRecorder } from '../../../core/index.ts';
import type { TargetStream } from '../../connectors/types.ts';
import type { OperatorChannel } from '../types.ts';
import { startByteCopy } from './byte-copy.ts';
import type { DataPath, PathContext } from './types.ts';

export function startFileTransferPath(o: {
  ctx: PathContext;
  channel: OperatorChannel;
  target: TargetStream;
}): DataPath {
  return startByteCopy({ ...o, recorder: discardRecorder(), strict: false, label: 'sftp' });
}
