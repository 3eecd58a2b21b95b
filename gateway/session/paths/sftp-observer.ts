// Reads the SFTP protocol (version 3, as OpenSSH speaks it) as it passes between the operator's
// client and the target's sftp server, and tells the file-transfer recorder each operation with
// its file names, offsets, sizes and result. It only watches: the bytes are copied unchanged by
// the data path, and a packet it cannot read stops the watching, never the transfer.
import type { FileTransferRecorder, TransferOp } from '../../../core/index.ts';

const FXP = {
  open: 3,
  close: 4,
  read: 5,
  write: 6,
  lstat: 7,
  fstat: 8,
  setstat: 9,
  fsetstat: 10,
  opendir: 11,
  readdir: 12,
  remove: 13,
  mkdir: 14,
  rmdir: 15,
  realpath: 16,
  stat: 17,
  rename: 18,
  readlink: 19,
  symlink: 20,
  extended: 200,
  status: 101,
  handle: 102,
  data: 103,
  name: 104,
  attrs: 105,
} as const;

/** Packets larger than this are not SFTP as OpenSSH sends it (its limit is 256 KiB). */
const MAX_PACKET = 1024 * 1024;

const STATUS_TEXT = ['ok', 'eof', 'no such file', 'permission denied', 'failure', 'bad message'];

interface Pending {
  op: Omit<TransferOp, 't'>;
  /** For read: the handle's file, whose contents come back in the DATA reply. */
  wantsData?: boolean;
}

/** Splits a byte stream into SFTP packets (uint32 length, then the packet). */
class PacketStream {
  #buf: Buffer = Buffer.alloc(0);
  constructor(private readonly onPacket: (p: Buffer) => void) {}
  push(chunk: Buffer): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    while (this.#buf.length >= 4) {
      const len = this.#buf.readUInt32BE(0);
      if (len < 1 || len > MAX_PACKET) throw new Error('not an SFTP packet');
      if (this.#buf.length < 4 + len) break;
      this.onPacket(this.#buf.subarray(4, 4 + len));
      this.#buf = this.#buf.subarray(4 + len);
    }
  }
}

class Reader {
  at = 0;
  constructor(private readonly b: Buffer) {}
  u8(): number {
    return this.b.readUInt8(this.at++);
  }
  u32(): number {
    const v = this.b.readUInt32BE(this.at);
    this.at += 4;
    return v;
  }
  u64(): number {
    const v = Number(this.b.readBigUInt64BE(this.at));
    this.at += 8;
    return v;
  }
  bytes(): Buffer {
    const n = this.u32();
    if (this.at + n > this.b.length) throw new Error('string past the packet');
    const v = this.b.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
  str(): string {
    return this.bytes().toString('utf8');
  }
}

function openFlags(f: number): string {
  const names: string[] = [];
  if (f & 1) names.push('read');
  if (f & 2) names.push('write');
  if (f & 4) names.push('append');
  if (f & 8) names.push('create');
  if (f & 16) names.push('truncate');
  if (f & 32) names.push('excl');
  return names.join(',') || 'none';
}

export class SftpObserver {
  readonly #pending = new Map<number, Pending>();
  readonly #handles = new Map<string, string>();
  readonly #fromClient: PacketStream;
  readonly #fromServer: PacketStream;
  #broken = false;

  constructor(private readonly recorder: FileTransferRecorder) {
    this.#fromClient = new PacketStream((p) => this.#request(p));
    this.#fromServer = new PacketStream((p) => this.#reply(p));
  }

  /** Bytes the operator's client sent. */
  client(chunk: Buffer): void {
    this.#watch(() => this.#fromClient.push(chunk));
  }

  /** Bytes the target's sftp server sent. */
  server(chunk: Buffer): void {
    this.#watch(() => this.#fromServer.push(chunk));
  }

  #watch(fn: () => void): void {
    if (this.#broken) return;
    try {
      fn();
    } catch {
      this.#broken = true;
      this.recorder.operation({
        op: 'unreadable',
        result: 'the rest of this session is not SFTP the recorder reads',
      });
    }
  }

  #fileOf(handle: Buffer): string {
    return this.#handles.get(handle.toString('hex')) ?? `<handle ${handle.toString('hex').slice(0, 16)}>`;
  }

  #request(p: Buffer): void {
    const r = new Reader(p);
    const type = r.u8();
    if (type === 1) return; // INIT: the version, nothing to record
    const id = r.u32();
    const pend = (op: Omit<TransferOp, 't'>, extra: Partial<Pending> = {}) =>
      this.#pending.set(id, { op, ...extra });
    switch (type) {
      case FXP.open: {
        const path = r.str();
        pend({ op: 'open', path, flags: openFlags(r.u32()) });
        return;
      }
      case FXP.opendir:
        pend({ op: 'list', path: r.str() });
        return;
      case FXP.close: {
        const h = r.bytes();
        pend({ op: 'close', path: this.#fileOf(h) });
        this.#handles.delete(h.toString('hex'));
        return;
      }
      case FXP.read: {
        const path = this.#fileOf(r.bytes());
        const offset = r.u64();
        pend({ op: 'read', path, offset, size: r.u32() }, { wantsData: true });
        return;
      }
      case FXP.write: {
        const path = this.#fileOf(r.bytes());
        const offset = r.u64();
        const data = r.bytes();
        pend({
          op: 'write',
          path,
          offset,
          size: data.length,
          ...(this.recorder.recordsContents ? { data: data.toString('base64') } : {}),
        });
        return;
      }
      case FXP.lstat:
      case FXP.stat:
        pend({ op: 'stat', path: r.str() });
        return;
      case FXP.fstat:
        pend({ op: 'stat', path: this.#fileOf(r.bytes()) });
        return;
      case FXP.setstat:
        pend({ op: 'setstat', path: r.str() });
        return;
      case FXP.fsetstat:
        pend({ op: 'setstat', path: this.#fileOf(r.bytes()) });
        return;
      case FXP.readdir:
        return; // the listing's pages: the `list` (opendir) names the folder
      case FXP.remove:
        pend({ op: 'remove', path: r.str() });
        return;
      case FXP.mkdir:
        pend({ op: 'mkdir', path: r.str() });
        return;
      case FXP.rmdir:
        pend({ op: 'rmdir', path: r.str() });
        return;
      case FXP.realpath:
        pend({ op: 'realpath', path: r.str() });
        return;
      case FXP.readlink:
        pend({ op: 'readlink', path: r.str() });
        return;
      case FXP.rename: {
        const from = r.str();
        pend({ op: 'rename', path: from, to: r.str() });
        return;
      }
      case FXP.symlink: {
        // OpenSSH sends target then link path (the reverse of the draft's order).
        const target = r.str();
        pend({ op: 'symlink', path: r.str(), to: target });
        return;
      }
      case FXP.extended: {
        const name = r.str();
        if (name === 'posix-rename@openssh.com') {
          const from = r.str();
          pend({ op: 'rename', path: from, to: r.str() });
        } else if (name === 'hardlink@openssh.com') {
          const from = r.str();
          pend({ op: 'link', path: from, to: r.str() });
        } else pend({ op: name.replace(/@openssh\.com$/, '') });
        return;
      }
      default:
        pend({ op: `request-${type}` });
    }
  }

  #reply(p: Buffer): void {
    const r = new Reader(p);
    const type = r.u8();
    if (type === 2) return; // VERSION
    const id = r.u32();
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    const op = pending.op;
    // Lists and stat lookups the client makes while browsing are kept only when they fail or name a path.
    switch (type) {
      case FXP.status: {
        const code = r.u32();
        const result = STATUS_TEXT[code] ?? `status ${code}`;
        // End of file on a read is how every download ends: not a failure, and not an operation.
        if (op.op === 'read' && code === 1) return;
        this.recorder.operation({ ...op, result });
        return;
      }
      case FXP.handle: {
        const h = r.bytes();
        if (op.path !== undefined) this.#handles.set(h.toString('hex'), op.path);
        this.recorder.operation({ ...op, result: 'ok' });
        return;
      }
      case FXP.data: {
        const data = r.bytes();
        this.recorder.operation({
          ...op,
          size: data.length,
          result: 'ok',
          ...(pending.wantsData && this.recorder.recordsContents ? { data: data.toString('base64') } : {}),
        });
        return;
      }
      default:
        this.recorder.operation({ ...op, result: 'ok' });
    }
  }
}
