import { joinBytes } from './join-bytes.ts';
/**
 * The dynamic virtual channel multiplexer's PDUs (MS-RDPEDYC 2.2), carried as messages of the
 * static channel `drdynvc`: the client's side of the capabilities exchange, channel creation,
 * data (a message longer than one PDU travels as Data First then Data) and close. Every PDU starts
 * with one header byte: cbId (bits 0–1, the size of ChannelId: 1, 2 or 4 bytes), Sp (bits 2–3,
 * the size of Data First's Length, or the priority of a Create Request) and Cmd (bits 4–7);
 * integers are little-endian. Pure and bounded: a PDU is read only within its own bytes, and a
 * reassembled message is refused before anything is buffered when it announces more than the
 * caller's bound.
 */

export const DVC_CMD = {
  create: 0x01,
  dataFirst: 0x02,
  data: 0x03,
  close: 0x04,
  capability: 0x05,
  dataFirstCompressed: 0x06,
  dataCompressed: 0x07,
  softSyncRequest: 0x08,
  softSyncResponse: 0x09,
} as const;

/** The largest DVC PDU a peer must accept (2.2.3.1): header, id, length and data together. */
export const DVC_MAX_PDU_BYTES = 1600;

/**
 * The version this client answers with: 2 (version 1 plus the server's priority charges, which a
 * client may ignore; no compression, which version 3 would add, no soft-sync). xrdp 0.9.21 asks
 * for version 2 and refuses a client answering 1 ("version 1 is not supported").
 */
export const DVC_CLIENT_VERSION = 2;

/** A DVC PDU that breaks the layout; `code` is stable for tests and logs. */
export class DrdynvcError extends Error {
  readonly code = 'E_RDP_DRDYNVC';
}

export type DvcPdu =
  | { cmd: 'caps'; version: number }
  | { cmd: 'create'; channelId: number; name: string }
  | { cmd: 'data-first'; channelId: number; length: number; data: Uint8Array }
  | { cmd: 'data'; channelId: number; data: Uint8Array }
  | { cmd: 'close'; channelId: number }
  /** Any other command (compressed data, soft-sync): the client does not take part. */
  | { cmd: 'other'; code: number };

/** The longest channel name read in a Create Request (names are short ASCII strings). */
const MAX_NAME_BYTES = 256;

const ID_BYTES = [1, 2, 4, 4] as const;

function readVar(v: DataView, at: number, size: number, what: string): number {
  if (at + size > v.byteLength) throw new DrdynvcError(`a DVC PDU cut off in its ${what}`);
  return size === 1 ? v.getUint8(at) : size === 2 ? v.getUint16(at, true) : v.getUint32(at, true);
}

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** Reads one PDU the server sent on `drdynvc`. */
export function decodeDvc(pdu: Uint8Array): DvcPdu {
  if (pdu.length < 1) throw new DrdynvcError('an empty DVC PDU');
  const v = view(pdu);
  const header = pdu[0]!;
  const cmd = header >> 4;
  const sp = (header >> 2) & 0x3;
  const idBytes = ID_BYTES[header & 0x3]!;
  if (cmd === DVC_CMD.capability) {
    // Pad (1 byte), Version (2 bytes); versions 2 and 3 add four priority charges, not used here.
    return { cmd: 'caps', version: readVar(v, 2, 2, 'version') };
  }
  if (cmd === DVC_CMD.create) {
    const channelId = readVar(v, 1, idBytes, 'channel id');
    const start = 1 + idBytes;
    const end = pdu.indexOf(0, start);
    if (end < 0) throw new DrdynvcError('a DVC channel name without its terminating NUL');
    if (end - start > MAX_NAME_BYTES) throw new DrdynvcError(`a DVC channel name of ${end - start} bytes`);
    let name = '';
    for (let i = start; i < end; i++) name += String.fromCharCode(pdu[i]!);
    return { cmd: 'create', channelId, name };
  }
  if (cmd === DVC_CMD.dataFirst) {
    const channelId = readVar(v, 1, idBytes, 'channel id');
    const lengthBytes = ID_BYTES[sp]!;
    const length = readVar(v, 1 + idBytes, lengthBytes, 'length');
    return { cmd: 'data-first', channelId, length, data: pdu.subarray(1 + idBytes + lengthBytes) };
  }
  if (cmd === DVC_CMD.data) {
    const channelId = readVar(v, 1, idBytes, 'channel id');
    return { cmd: 'data', channelId, data: pdu.subarray(1 + idBytes) };
  }
  if (cmd === DVC_CMD.close) return { cmd: 'close', channelId: readVar(v, 1, idBytes, 'channel id') };
  return { cmd: 'other', code: cmd };
}

/** The smallest cbId that holds `id`, and its byte count. */
function idSize(id: number): { cb: number; bytes: number } {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new DrdynvcError(`a DVC channel id of ${id}`);
  return id <= 0xff ? { cb: 0, bytes: 1 } : id <= 0xffff ? { cb: 1, bytes: 2 } : { cb: 2, bytes: 4 };
}

function writeVar(v: DataView, at: number, bytes: number, value: number): void {
  if (bytes === 1) v.setUint8(at, value);
  else if (bytes === 2) v.setUint16(at, value, true);
  else v.setUint32(at, value >>> 0, true);
}

/** DYNVC_CAPS_RSP (2.2.1.2): the version the client speaks. */
export function encodeCapsResponse(version = DVC_CLIENT_VERSION): Uint8Array {
  return Uint8Array.of(DVC_CMD.capability << 4, 0, version & 0xff, version >> 8);
}

/** DYNVC_CREATE_RSP (2.2.2.2): 0 opens the channel, a negative HRESULT refuses it. */
export function encodeCreateResponse(channelId: number, creationStatus: number): Uint8Array {
  const { cb, bytes } = idSize(channelId);
  const out = new Uint8Array(1 + bytes + 4);
  const v = view(out);
  out[0] = (DVC_CMD.create << 4) | cb;
  writeVar(v, 1, bytes, channelId);
  v.setInt32(1 + bytes, creationStatus | 0, true);
  return out;
}

/** DYNVC_CLOSE (2.2.4): the client's answer to a close, or its own. */
export function encodeClose(channelId: number): Uint8Array {
  const { cb, bytes } = idSize(channelId);
  const out = new Uint8Array(1 + bytes);
  out[0] = (DVC_CMD.close << 4) | cb;
  writeVar(view(out), 1, bytes, channelId);
  return out;
}

/**
 * One message on a dynamic channel as the PDUs that carry it: a single Data PDU when it fits in
 * `maxPduBytes`, else Data First (announcing the whole length) and Data PDUs.
 */
export function encodeData(
  channelId: number,
  message: Uint8Array,
  maxPduBytes = DVC_MAX_PDU_BYTES,
): Uint8Array[] {
  const { cb, bytes } = idSize(channelId);
  if (1 + bytes + message.length <= maxPduBytes) {
    const out = new Uint8Array(1 + bytes + message.length);
    out[0] = (DVC_CMD.data << 4) | cb;
    writeVar(view(out), 1, bytes, channelId);
    out.set(message, 1 + bytes);
    return [out];
  }
  const { cb: sp, bytes: lengthBytes } = idSize(message.length);
  const pdus: Uint8Array[] = [];
  const firstRoom = maxPduBytes - 1 - bytes - lengthBytes;
  const room = maxPduBytes - 1 - bytes;
  if (firstRoom < 1) throw new DrdynvcError(`a DVC PDU size of ${maxPduBytes}`);
  const first = new Uint8Array(maxPduBytes);
  first[0] = (DVC_CMD.dataFirst << 4) | (sp << 2) | cb;
  writeVar(view(first), 1, bytes, channelId);
  writeVar(view(first), 1 + bytes, lengthBytes, message.length);
  first.set(message.subarray(0, firstRoom), 1 + bytes + lengthBytes);
  pdus.push(first);
  for (let at = firstRoom; at < message.length; at += room) {
    const part = message.subarray(at, at + room);
    const out = new Uint8Array(1 + bytes + part.length);
    out[0] = (DVC_CMD.data << 4) | cb;
    writeVar(view(out), 1, bytes, channelId);
    out.set(part, 1 + bytes);
    pdus.push(out);
  }
  return pdus;
}

export type DvcReassembly =
  | { kind: 'message'; message: Uint8Array }
  | { kind: 'partial' }
  /** A message refused (too long, longer than announced, a Data with no Data First pending…). */
  | { kind: 'refused'; reason: string };

/** Puts one dynamic channel's Data First / Data PDUs back together, one message at a time. */
export class DvcReassembler {
  #parts: Uint8Array[] = [];
  #total = 0;
  #have = 0;

  constructor(private readonly maxMessageBytes: number) {}

  /** Data First: the whole message's length, and its first bytes. */
  first(length: number, data: Uint8Array): DvcReassembly {
    this.#reset();
    if (length > this.maxMessageBytes)
      return {
        kind: 'refused',
        reason: `a DVC message of ${length} bytes (at most ${this.maxMessageBytes})`,
      };
    if (data.length > length) return { kind: 'refused', reason: 'a DVC message longer than it announced' };
    this.#total = length;
    return this.#add(data);
  }

  /** Data: a whole message when none is pending, else the next bytes of the pending one. */
  data(data: Uint8Array): DvcReassembly {
    if (this.#total === 0) {
      if (data.length > this.maxMessageBytes)
        return {
          kind: 'refused',
          reason: `a DVC message of ${data.length} bytes (at most ${this.maxMessageBytes})`,
        };
      return { kind: 'message', message: data.slice() };
    }
    if (this.#have + data.length > this.#total) {
      this.#reset();
      return { kind: 'refused', reason: 'a DVC message longer than it announced' };
    }
    return this.#add(data);
  }

  #add(data: Uint8Array): DvcReassembly {
    this.#parts.push(data.slice());
    this.#have += data.length;
    if (this.#have < this.#total) return { kind: 'partial' };
    const message = joinBytes(this.#parts, this.#total);
    this.#reset();
    return { kind: 'message', message };
  }

  #reset(): void {
    this.#parts = [];
    this.#total = 0;
    this.#have = 0;
  }
}
