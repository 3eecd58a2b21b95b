// The SFTP reader on the file-transfer path, fed packets as a client and server would send them:
// split across reads at any byte, it records each operation with its names, offsets, sizes and
// result; bytes that are not SFTP stop the watching (one `unreadable` note), never the transfer.
import { describe, expect, it } from 'vitest';
import type { FileTransferRecorder, TransferOp } from '../../core/index.ts';
import { SftpObserver } from '../../gateway/session/paths/sftp-observer.ts';

function recorder(recordsContents = false): FileTransferRecorder & { ops: Omit<TransferOp, 't'>[] } {
  const ops: Omit<TransferOp, 't'>[] = [];
  return {
    ops,
    id: 'r',
    recordsContents,
    operation: (op) => ops.push(op),
    suspend: () => undefined,
    resume: () => undefined,
    onFailure: () => undefined,
    backlog: () => 0,
    drained: () => Promise.resolve(),
    committed: () => Promise.resolve(true),
    close: () => Promise.resolve(undefined),
  };
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const str = (s: string | Buffer) => {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  return Buffer.concat([u32(b.length), b]);
};
const packet = (type: number, ...parts: Buffer[]) => {
  const body = Buffer.concat([Buffer.from([type]), ...parts]);
  return Buffer.concat([u32(body.length), body]);
};

/** Feeds `data` a few bytes at a time, so packets are split at every kind of boundary. */
function trickle(feed: (b: Buffer) => void, data: Buffer, step = 3): void {
  for (let i = 0; i < data.length; i += step) feed(data.subarray(i, i + step));
}

describe('SFTP observer', () => {
  it('records open, write, read, rename and close with names, offsets, sizes and results', () => {
    const rec = recorder(true);
    const sftp = new SftpObserver(rec);
    const handle = Buffer.from('h1');
    trickle((b) => sftp.client(b), packet(1, u32(3)));
    trickle((b) => sftp.server(b), packet(2, u32(3)));
    trickle((b) => sftp.client(b), packet(3, u32(1), str('/srv/a.txt'), u32(0x1a), u32(0)));
    trickle((b) => sftp.server(b), packet(102, u32(1), str(handle)));
    trickle((b) => sftp.client(b), packet(6, u32(2), str(handle), u64(0), str('hello')));
    trickle((b) => sftp.server(b), packet(101, u32(2), u32(0), str('Success'), str('')));
    trickle((b) => sftp.client(b), packet(5, u32(3), str(handle), u64(0), u32(32768)));
    trickle((b) => sftp.server(b), packet(103, u32(3), str('hello')));
    trickle((b) => sftp.client(b), packet(5, u32(4), str(handle), u64(5), u32(32768)));
    trickle((b) => sftp.server(b), packet(101, u32(4), u32(1), str('EOF'), str('')));
    trickle((b) => sftp.client(b), packet(4, u32(5), str(handle)));
    trickle((b) => sftp.server(b), packet(101, u32(5), u32(0), str(''), str('')));
    trickle((b) => sftp.client(b), packet(18, u32(6), str('/srv/a.txt'), str('/srv/b.txt')));
    trickle((b) => sftp.server(b), packet(101, u32(6), u32(3), str('denied'), str('')));
    expect(rec.ops).toEqual([
      { op: 'open', path: '/srv/a.txt', flags: 'write,create,truncate', result: 'ok' },
      { op: 'write', path: '/srv/a.txt', offset: 0, size: 5, data: 'aGVsbG8=', result: 'ok' },
      { op: 'read', path: '/srv/a.txt', offset: 0, size: 5, result: 'ok', data: 'aGVsbG8=' },
      { op: 'close', path: '/srv/a.txt', result: 'ok' },
      { op: 'rename', path: '/srv/a.txt', to: '/srv/b.txt', result: 'permission denied' },
    ]);
  });

  it('keeps no contents unless asked, and stops watching (not the transfer) at bytes that are not SFTP', () => {
    const rec = recorder(false);
    const sftp = new SftpObserver(rec);
    sftp.client(packet(6, u32(2), str('h'), u64(0), str('secret-bytes')));
    sftp.server(packet(101, u32(2), u32(0), str(''), str('')));
    expect(rec.ops).toEqual([{ op: 'write', path: '<handle 68>', offset: 0, size: 12, result: 'ok' }]);
    expect(() => sftp.client(Buffer.from([0xff, 0xff, 0xff, 0xff, 1]))).not.toThrow();
    sftp.client(packet(13, u32(9), str('/x')));
    expect(rec.ops.map((o) => o.op)).toEqual(['write', 'unreadable']);
  });
});
